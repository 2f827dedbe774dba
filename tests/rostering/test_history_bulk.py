"""History of the set-based writes: generating, bringing in and publishing a roster period."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from clients.access import user_region_ids
from rostering import services
from rostering.publishing import period_validation_request, roster_period_publish
from sessions_app.history import session_history
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from sessions_app.services import session_update
from tests.factories import ServiceTypeFactory
from tests.rostering.conftest import add_pattern_session

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
D = datetime.date


def history_of(model, **filters):
    return model.history.model.objects.filter(**filters)


def generate(period, user):
    job = services.roster_period_generation_claim(period=period, user=user)
    return services.roster_period_generate(period=period, job=job)


def test_generation_records_every_row_it_creates_as_generated_by_who_asked(fortnight, scheduler):
    roster, pattern = fortnight
    pattern[0].service_types.add(ServiceTypeFactory(name="Transport"))
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16),
                                           cycles=2)
    generate(period, scheduler)

    copies = Session.objects.filter(roster_period=period)
    rows = history_of(Session, id__in=copies.values("id"))
    assert rows.count() == copies.count() == 6  # one row per session, no more
    assert {(r.history_type, r.history_change_reason, r.history_user_id) for r in rows} == {
        ("+", "Generated", scheduler.pk)
    }
    for model, link in (
        (SessionClient, "session__roster_period"),
        (PlannedService, "session_client__session__roster_period"),
        (SessionWorker, "session__roster_period"),
        (SessionAsset, "session__roster_period"),
        (SessionActivity, "session__roster_period"),
    ):
        ids = model.objects.filter(**{link: period}).values("id")
        assert history_of(model, id__in=ids, history_change_reason="Generated").count() == 6

    copy = copies.select_related("site").get(source_session=pattern[0], occurrence_date=D(
        2026, 11, 16))
    entry, = session_history(session=copy)
    assert entry.who == "sam" and entry.reason == "Generated"
    assert entry.changes[0] == "Created"
    assert any(line.startswith("Workers: + ") for line in entry.changes)
    assert "Activities: + Break 09:30–10:00 (unpaid)" in entry.changes
    # the snapshot of the service types came along: none reads as removed later
    (row,) = history_of(Session, id=copy.pk)
    assert sorted(t.servicetype.name for t in row.service_types.all()) == sorted(
        t.name for t in pattern[0].service_types.all()
    )
    assert "Transport" in {t.servicetype.name for t in row.service_types.all()}


def test_bringing_in_records_only_the_new_sessions_as_brought_in(fortnight, syd_site, scheduler):
    roster, _ = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16),
                                           cycles=1)
    services.roster_period_generate(period=period)  # no job, no user: the system's
    late = add_pattern_session(
        roster, site=syd_site, start=datetime.datetime(2026, 11, 13, 14, tzinfo=SYD)
    )
    generate(period, scheduler)

    new = Session.objects.get(roster_period=period, source_session=late)
    assert list(history_of(Session, id=new.pk).values_list(
        "history_change_reason", "history_user_id")) == [("Brought in", scheduler.pk)]
    older = history_of(Session, id__in=Session.objects.filter(roster_period=period)
                       .exclude(pk=new.pk).values("id"))
    assert {(r.history_change_reason, r.history_user_id) for r in older} == {("Generated", None)}
    assert older.count() == 3


def _publish(period, user, capture):
    with capture(execute=True):
        period_validation_request(period=period)
    with CaptureQueriesContext(connection) as queries:
        result = roster_period_publish(
            period=period, acknowledged_warnings=True, acknowledged_earlier_unpublished=True,
            user=user,
        )
    return result, len(queries)


@pytest.mark.usefixtures("eager_celery")
def test_publishing_records_one_row_per_session_with_a_fixed_number_of_statements(
    fortnight, scheduler, django_capture_on_commit_callbacks
):
    roster, pattern = fortnight
    pattern[1].service_types.add(ServiceTypeFactory(name="Transport"))
    small = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16),
                                          cycles=1)
    large = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 30),
                                          cycles=3)
    services.roster_period_generate(period=small)
    services.roster_period_generate(period=large)

    user_region_ids(scheduler)  # read once, kept on the user: not counted in either publish
    result_small, n_small = _publish(small, scheduler, django_capture_on_commit_callbacks)
    result_large, n_large = _publish(large, scheduler, django_capture_on_commit_callbacks)
    assert (result_small.sessions_rostered, result_large.sessions_rostered) == (3, 9)
    assert n_small == n_large  # whatever the number of sessions

    published = history_of(Session, history_change_reason="Published")
    assert published.count() == 12  # one per session that became Rostered
    assert {(r.history_type, r.status, r.history_user_id) for r in published} == {
        ("~", "rostered", scheduler.pk)
    }
    period_rows = history_of(type(small), id=small.pk).order_by("-history_id")
    assert period_rows[0].status == "published"
    assert period_rows[0].history_change_reason == "Published"
    assert period_rows[0].history_user_id == scheduler.pk

    session = Session.objects.select_related("site").filter(
        roster_period=large, source_session=pattern[1]
    ).first()
    latest = session_history(session=session)[0]
    assert latest.who == "sam" and latest.reason == "Published"
    # the service types are unchanged by publishing: no line about them, then or later
    assert latest.changes == ["Status: Draft → Rostered"]
    Session.history.model.objects.update(
        history_date=F("history_date") - datetime.timedelta(minutes=5)
    )
    session_update(session=session, comments="Gate code 1234")
    assert session_history(session=session)[0].changes == ["Comments: — → Gate code 1234"]
