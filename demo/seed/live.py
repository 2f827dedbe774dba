"""Sessions made straight on the live schedule, as `New Session` makes them: a few one-off
visits (`session_create` with no home) and a recurring Community Access series, weekly on
Tuesday and Thursday from this week (`session_series_create`). They are left Draft, waiting for
Save and Roster.

Each is made with a one-time form token derived from this week's Monday and its name, so a
second run in the same week finds it (the services return what the token made) and creates
nothing. Clients have an agreement line for the visit on every date; workers are of the site's
region, qualified, available and free then (`periods.eligible_workers`).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from clients import wallclock
from clients.models import ServiceAgreementLine, Site
from sessions_app import recurrence
from sessions_app.forms import subject_for
from sessions_app.models import Session, SessionClient, SessionSeries
from sessions_app.services import (
    ClientSpec,
    PlannedServiceSpec,
    session_create,
    session_series_create,
)
from workforce.models import Worker

from .common import CENTS, Build, monday_on_or_before
from .periods import eligible_workers
from .reference import COMMUNITY, HOUSEHOLD, SELF_CARE_DAY, SERVICE_TYPE_OF, Catalogue, Places

TOKEN_NAMESPACE = uuid.UUID("6f1d2c0e-5b7a-4c1e-9a53-0d6f3e2b8a41")
SERIES_RULE = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6"


@dataclass(frozen=True)
class Visit:
    key: str
    days_from_today: int
    start: datetime.time
    hours: float
    session_type: str
    item_number: str
    site_index: int  # into the demo's sites, in their spec order
    employee_message: str = ""


VISITS = (
    Visit("visit-1", 0, datetime.time(15, 0), 2, "Personal Care", SELF_CARE_DAY, 0,
          "New client: please read the care plan before you start."),
    Visit("visit-2", 1, datetime.time(10, 30), 1.5, "Domestic Assistance", HOUSEHOLD, 3),
    Visit("visit-3", 3, datetime.time(13, 0), 3, "Community Access", COMMUNITY, 6,
          "Library visit, then coffee at the café on the corner."),
)
SERIES = Visit("series-1", 0, datetime.time(9, 30), 3, "Community Access", COMMUNITY, 1,
               "Swimming lessons at the aquatic centre: bring the client's pool bag.")


def build_live_sessions(build: Build, *, catalogue: Catalogue, places: Places) -> None:
    monday = monday_on_or_before(build.today)
    for visit in VISITS:
        token = _token(monday, visit.key)
        if Session.objects.filter(form_token=token).exists():
            continue
        day = build.today + datetime.timedelta(days=visit.days_from_today)
        site = places.site_objs[visit.site_index % len(places.site_objs)]
        start, end = _span(site, day, visit)
        fields = _fields(catalogue, site, visit, [start], end - start)
        if fields is None:
            continue
        session_create(**fields, start=start, end=end, form_token=token)
        build.created["live sessions"] += 1

    token = _token(monday, SERIES.key)
    if SessionSeries.objects.filter(form_token=token).exists():
        return
    site = places.site_objs[SERIES.site_index % len(places.site_objs)]
    tuesday = monday + datetime.timedelta(days=1)
    first_start, first_end = _span(site, tuesday, SERIES)
    starts = recurrence.occurrences(SERIES_RULE, first_start)
    fields = _fields(catalogue, site, SERIES, starts, first_end - first_start)
    if fields is None:
        return
    fields.pop("status")  # a series' sessions start Draft
    series = session_series_create(
        rule=SERIES_RULE, first_start=first_start, end=first_end, form_token=token, **fields
    )
    build.created["session series"] += 1
    build.created["live sessions"] += series.sessions.count()


def _token(monday: datetime.date, key: str) -> uuid.UUID:
    return uuid.uuid5(TOKEN_NAMESPACE, f"demo:{monday.isoformat()}:{key}")


def _span(site: Site, day: datetime.date, visit: Visit):
    start = wallclock.resolve(day, visit.start, site.tzinfo)
    end_wall = datetime.datetime.combine(day, visit.start) + datetime.timedelta(hours=visit.hours)
    return start, wallclock.aware(end_wall, site.tzinfo)


def _fields(catalogue, site, visit: Visit, starts, length) -> dict | None:
    """session_create's arguments for `visit` at `site` on each of `starts`: a client of the
    site with an agreement line for it over all the dates and free then, and a worker who can
    do every date. None when the demo data has neither (then the visit is left out)."""
    session_type = catalogue.session_types[visit.session_type]
    first, last = starts[0], starts[-1]
    spans = [(s, wallclock.aware(wallclock.to_local(s, site.tzinfo).replace(tzinfo=None)
                                 + length, site.tzinfo)) for s in starts]
    lines = (
        ServiceAgreementLine.objects.filter(
            support_item__item_number=visit.item_number, delivery_ratio="1:1",
            agreement__client__sites=site,
            agreement__start_date__lte=wallclock.to_local(first, site.tzinfo).date(),
            agreement__end_date__gte=wallclock.to_local(last, site.tzinfo).date(),
        )
        .select_related("agreement__client", "support_item")
        .order_by("agreement__client__last_name", "agreement__client__first_name", "pk")
    )
    line = next((ln for ln in lines if _client_free(ln.agreement.client_id, spans)), None)
    if line is None:
        return None
    client = line.agreement.client
    probe = Session(
        site=site, region_id=site.region_id, session_type=session_type,
    )
    workers = None
    for start, end in spans:
        probe.start, probe.end = start, end
        ok = eligible_workers(probe)
        workers = ok if workers is None else [w for w in workers if w in ok]
    if not workers:
        return None
    hours = (Decimal(length.total_seconds()) / 3600).quantize(CENTS)
    return dict(
        work_type=Session.WorkType.APPOINTMENT, billable=True, session_type=session_type,
        subject=subject_for(site=site, session_type=session_type, clients=[client]),
        site=site, region=site.region, status=Session.Status.DRAFT,
        employee_message=visit.employee_message,
        clients=[ClientSpec(client, [PlannedServiceSpec(line, hours)])],
        workers=[Worker.objects.get(pk=workers[0])],
        service_types=[catalogue.service_types[SERVICE_TYPE_OF[visit.session_type]]],
    )


def _client_free(client_id: int, spans) -> bool:
    """No live or period session (not cancelled) of the client overlaps any of `spans`."""
    taken = SessionClient.objects.filter(client_id=client_id, session__base_roster__isnull=True)
    taken = taken.exclude(session__status=Session.Status.CANCELLED)
    return not any(
        taken.filter(session__start__lt=end, session__end__gt=start).exists()
        for start, end in spans
    )
