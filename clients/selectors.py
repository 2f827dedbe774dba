"""Reads of clients, sites and agreements that other apps go through."""

import datetime

from django.db.models import QuerySet

from .models import Client, ServiceAgreementLine, Site


def clients_for_site(*, site: Site, search: str = "") -> QuerySet[Client]:
    qs = Client.objects.filter(sites=site).exclude(status=Client.Status.INACTIVE)
    if search:
        from django.db.models import Q

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
        ServiceAgreementLine.objects.filter(
            agreement__client__in=clients,
            agreement__start_date__lte=day,
            agreement__end_date__gte=day,
        )
        .select_related("agreement", "support_item")
        .order_by("agreement__client_id", "support_item__item_number")
    )
