"""The live schedule's filters (django-filter) and its display options (view, rows, date).

Every value lives in the query string, so a view can be bookmarked, shared and reloaded.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, Subquery
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe

from clients.access import scoped
from clients.models import Client, Region, Site
from sessions_app.forms import EARLIEST_YEAR, LATEST_YEAR, parse_id, sane_date_or_none
from sessions_app.models import Session, SessionClient, SessionType, SessionWorker
from workforce.models import Worker

VIEWS = {"day": 1, "week": 7, "fortnight": 14}  # days shown
ROWS = {"worker": "By worker", "client": "By client", "site": "By site"}


class QuickSelect(forms.Select):
    """A <select> written with string formatting rather than a template per option: the
    worker and client lists run to hundreds of options, and the page is re-rendered on every
    change of a filter."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>'
            f"{escape(label)}</option>"
            for v, label in ((("" if o is None else str(o)), label) for o, label in self.choices)
        )
        return mark_safe(f'<select name="{escape(name)}"{flatatt(attrs)}>{options}</select>')


def _with_chosen(qs, condition: Q, chosen_pk):
    """The region's choices, and the chosen one even when it is not of the region: it stays
    valid when the region changes under it (the schedule is then just empty, not an error)."""
    pk = parse_id(chosen_pk)
    return qs.filter(condition if pk is None else condition | Q(pk=pk))


class LiveScheduleFilter(django_filters.FilterSet):
    """Region, site, worker, client, work type, session type and status.

    With a region (or a site) chosen, the site, worker and client lists offer only that
    region's (a region has tens of sites, a provider thousands of workers and clients).
    Every list offers only the user's regions' (`user`; a value of another region is refused
    as any unknown value is).
    """

    region = django_filters.ModelChoiceFilter(
        field_name="site__region", queryset=Region.objects.all(), label="Region",
        empty_label="All regions", widget=QuickSelect,
    )
    site = django_filters.ModelChoiceFilter(
        queryset=Site.objects.all(), label="Site", empty_label="All sites", widget=QuickSelect,
    )
    worker = django_filters.ModelChoiceFilter(
        queryset=Worker.objects.all(), method="filter_worker", label="Worker", widget=QuickSelect,
        empty_label="All workers",
    )
    client = django_filters.ModelChoiceFilter(
        queryset=Client.objects.all(), method="filter_client", label="Client", widget=QuickSelect,
        empty_label="All clients",
    )
    work_type = django_filters.ChoiceFilter(
        choices=Session.WorkType.choices, label="Work type", empty_label="Any work type",
        widget=QuickSelect,
    )
    session_type = django_filters.ModelChoiceFilter(
        queryset=SessionType.objects.all(), label="Session type",
        empty_label="Any session type", widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=Session.Status.choices, label="Status", empty_label="Any status",
        widget=QuickSelect,
    )

    class Meta:
        model = Session
        fields = ["region", "site", "worker", "client", "work_type", "session_type", "status"]

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        data = data or {}
        region_id = parse_id(data.get("region"))
        site_id = parse_id(data.get("site"))
        if region_id is None and site_id is not None:
            # A site alone narrows the lists to its region too (in the same queries): without
            # it the page listed every worker and client of the provider (150 KB of options).
            region_id = Subquery(Site.objects.filter(pk=site_id).values("region_id")[:1])
        self.form.label_suffix = ""
        fields = self.form.fields
        fields["region"].queryset = scoped(user, Region.objects.all())
        sites = scoped(user, Site.objects.only("pk", "name", "time_zone"))
        workers = scoped(user, Worker.objects.only("pk", "first_name", "last_name"))
        clients = scoped(
            user, Client.objects.only("pk", "first_name", "last_name", "preferred_name")
        )
        if region_id is not None:
            in_region = {
                "site": Q(region_id=region_id),
                "worker": Q(Exists(Worker.regions.through.objects.filter(
                    worker_id=OuterRef("pk"), region_id=region_id
                ))),
                "client": Q(Exists(Client.sites.through.objects.filter(
                    client_id=OuterRef("pk"), site__region_id=region_id
                ))),
            }
            for name, qs in (("site", sites), ("worker", workers), ("client", clients)):
                fields[name].queryset = _with_chosen(qs, in_region[name], data.get(name))
        else:
            fields["site"].queryset = sites
            fields["worker"].queryset = workers
            fields["client"].queryset = clients
        for name in ("worker", "client"):
            fields[name].queryset = fields[name].queryset.order_by(
                "last_name", "first_name", "pk"
            )

    def filter_worker(self, queryset, name, value):
        return queryset.filter(
            Exists(SessionWorker.objects.filter(session=OuterRef("pk"), worker=value))
        )

    def filter_client(self, queryset, name, value):
        return queryset.filter(
            Exists(SessionClient.objects.filter(session=OuterRef("pk"), client=value))
        )

    def scope(self) -> dict:
        """The chosen region and site (for the zones of the week), valid values only."""
        self.form.is_valid()
        cleaned = getattr(self.form, "cleaned_data", {})
        return {"region": cleaned.get("region"), "site": cleaned.get("site")}


class LiveViewForm(forms.Form):
    """How the schedule is shown: day, week or fortnight from a date, rows by worker, client or
    site. A bad value falls back to the default with a message (and a 400)."""

    view = forms.ChoiceField(choices=[(v, v.title()) for v in VIEWS], required=False)
    rows = forms.ChoiceField(choices=list(ROWS.items()), required=False)
    date = forms.CharField(required=False)

    def settings(self, *, today: datetime.date) -> tuple[str, str, datetime.date, list[str]]:
        """(view, rows, date, problems): the values to show and what was wrong with the asked."""
        problems = []
        self.is_valid()
        data = self.data
        view = self.cleaned_data.get("view") or "week"
        if "view" in self.errors:
            problems.append(
                f"“{str(data.get('view'))[:40]}” is not a view: choose day, week or fortnight. "
                "Showing a week."
            )
        rows = self.cleaned_data.get("rows") or "worker"
        if "rows" in self.errors:
            problems.append(
                f"“{str(data.get('rows'))[:40]}” is not a way to show rows: choose worker, "
                "client or site. Showing rows by worker."
            )
        asked = str(data.get("date") or data.get("week") or "").strip()
        day = sane_date_or_none(asked)
        if asked and day is None:
            noun = "week" if data.get("week") and not data.get("date") else "date"
            problems.append(
                f"“{asked[:40]}” is not a {noun} we can show: give a date from "
                f"{EARLIEST_YEAR} to {LATEST_YEAR} as YYYY-MM-DD. Showing today."
            )
        if data.get("week") and not data.get("view"):
            view = "week"  # the old ?week= links
        return view, rows, day or today, problems


def no_worker_q() -> Q:
    return ~Exists(SessionWorker.objects.filter(session=OuterRef("pk")))


def no_client_q() -> Q:
    return ~Exists(SessionClient.objects.filter(session=OuterRef("pk")))
