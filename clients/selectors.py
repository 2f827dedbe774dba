"""Reads of clients, sites and agreements that other apps go through."""

import datetime

from django.db.models import Q, QuerySet

from .access import scoped
from .models import Client, GroupTemplate, ServiceAgreementLine, Site


def clients_for_site(*, site: Site, search: str = "") -> QuerySet[Client]:
    qs = Client.objects.filter(sites=site).exclude(status=Client.Status.INACTIVE)
    if search:
        for word in search.split():
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(ndis_number__icontains=word)
            )
    return qs.order_by("last_name", "first_name")


def agreement_lines_active_on(*, clients, day: datetime.date) -> list[ServiceAgreementLine]:
    """Agreement lines of these clients whose agreement is active on `day`."""
    return list(
        ServiceAgreementLine.objects.active_on(day)
        .filter(agreement__client__in=clients)
        .select_related("agreement", "support_item")
        .order_by("agreement__client_id", "support_item__item_number")
    )


def group_templates_for_site(*, site):

    return GroupTemplate.objects.filter(site=site, active=True).order_by("name")


def site_by_id(pk, *, user=None) -> Site | None:
    """The site with this id, or None for a missing or malformed id (from a query string) or,
    with `user`, a site outside the user's regions."""
    sites = Site.objects.select_related("region")
    if user is not None:
        sites = scoped(user, sites)
    try:
        return sites.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def active_sites(*, user=None) -> QuerySet[Site]:
    sites = Site.objects.filter(active=True).select_related("region").order_by("name")
    return sites if user is None else scoped(user, sites)
