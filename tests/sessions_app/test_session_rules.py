"""Rules that live in the services: published periods are closed, edits keep what they do not
change, and a form saved twice makes one session."""

import datetime
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from sessions_app.models import PlannedService, Session, SessionActivity, SessionClient
from sessions_app.services import (
    ActivitySpec,
    ClientSpec,
    PlannedServiceSpec,
    session_update,
)
from tests.factories import BaseRosterFactory, RosterPeriodFactory, ServiceAgreementLineFactory
from tests.sessions_app.test_session_services import at, create, world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_period(world):  # noqa: F811
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    return RosterPeriodFactory(
        base_roster=roster, start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2026, 11, 8), status="published",
    )


# --- published periods are closed ---------------------------------------------------------


def test_no_session_is_added_to_a_published_period(world, published_period):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        create(world, roster_period=published_period)
    assert "is published: it takes no more sessions" in " ".join(exc.value.messages)
    assert Session.objects.count() == 0


def test_a_draft_period_takes_sessions_and_a_published_ones_stay_editable(
    world, published_period  # noqa: F811
):
    published_period.status = "draft"
    published_period.save()
    session = create(world, roster_period=published_period)
    assert session.roster_period == published_period

    published_period.status = "published"
    published_period.save()
    # Its sessions are now on the live schedule, where they are still edited.
    session_update(session=session, subject="Changed after publishing")
    session.refresh_from_db()
    assert session.subject == "Changed after publishing"


# --- edits keep what they do not change ---------------------------------------------------


def test_an_unrelated_edit_keeps_a_cancellation_and_every_childs_id(world):  # noqa: F811
    session = create(world)
    sc = session.session_clients.get()
    SessionClient.objects.filter(pk=sc.pk).update(
        status=SessionClient.Status.CANCELLED, cancellation_reason="NSDH",
        short_notice=True,
    )
    ps = PlannedService.objects.get()
    worker_link = session.session_workers.get()
    asset_link = session.session_assets.get()
    activity = session.activities.get()

    # The form posts everything again, with a new subject and comments.
    session_update(
        session=session,
        subject="New subject",
        comments="Changed",
        clients=[ClientSpec(world["client"], [PlannedServiceSpec(world["line"], Decimal("2"))])],
        workers=[world["worker"]],
        assets=[world["asset"]],
        activities=[ActivitySpec("break", at(3, 10), at(3, 10, 30), paid=False)],
        service_types=list(session.service_types.all()),
    )

    kept = SessionClient.objects.get()
    assert kept.pk == sc.pk
    assert kept.status == SessionClient.Status.CANCELLED
    assert kept.cancellation_reason == "NSDH" and kept.short_notice is True
    assert PlannedService.objects.get().pk == ps.pk
    assert session.session_workers.get().pk == worker_link.pk
    assert session.session_assets.get().pk == asset_link.pk
    assert session.activities.get().pk == activity.pk
    session.refresh_from_db()
    assert session.subject == "New subject"


def test_changes_are_made_in_place_and_only_what_is_removed_goes(world):  # noqa: F811
    other_line = ServiceAgreementLineFactory(agreement=world["line"].agreement)
    session = create(world)
    sc = session.session_clients.get()
    ps = PlannedService.objects.get()
    activity = session.activities.get()

    session_update(
        session=session,
        clients=[ClientSpec(world["client"], [
            PlannedServiceSpec(world["line"], Decimal("3")),
            PlannedServiceSpec(other_line, Decimal("1")),
        ])],
        workers=[],
        activities=[ActivitySpec("break", at(3, 10), at(3, 10, 45), paid=False,
                                 id=activity.pk)],
    )

    assert session.session_clients.get().pk == sc.pk
    changed = PlannedService.objects.get(pk=ps.pk)
    assert changed.quantity == Decimal("3")
    assert PlannedService.objects.filter(agreement_line=other_line).count() == 1
    assert not session.session_workers.exists()
    assert session.session_assets.count() == 1  # not passed: kept as it was
    moved = SessionActivity.objects.get()
    assert moved.pk == activity.pk and moved.end == at(3, 10, 45)


def test_an_edit_that_breaks_a_rule_changes_nothing(world):  # noqa: F811
    session = create(world)
    sc = session.session_clients.get()
    with pytest.raises(ValidationError):
        session_update(
            session=session, subject="x",
            activities=[ActivitySpec("break", at(3, 8), at(3, 8, 30))],  # outside the session
        )
    assert session.session_clients.get().pk == sc.pk
    assert Session.objects.get().subject != "x"


def test_making_a_kept_client_session_an_appointment_is_checked_against_its_clients(world):  # noqa: F811,E501
    session = create(world, work_type=Session.WorkType.GROUP)
    session_update(session=session, work_type=Session.WorkType.APPOINTMENT)  # one client: fine
    with pytest.raises(ValidationError) as exc:
        session_update(session=session, clients=[])
    assert "An Appointment has exactly one client." in exc.value.message_dict["clients"]


# --- a form saved twice makes one session ---------------------------------------------------


def test_the_same_form_token_twice_makes_one_session(world):  # noqa: F811
    token = uuid.uuid4()
    first = create(world, form_token=token)
    second = create(world, form_token=token)
    assert first.pk == second.pk
    assert Session.objects.count() == 1 and SessionClient.objects.count() == 1


def test_two_saves_at_once_with_one_token_make_one_session(world):  # noqa: F811
    """The second save passed the look-up before the first was committed: the database's
    unique token refuses its insert, and it answers with the first session."""
    token = uuid.uuid4()
    first = create(world, form_token=token)
    real_filter = Session.objects.filter

    calls = []

    def blind_first_lookup(*args, **kwargs):
        if "form_token" in kwargs and not calls:
            calls.append(1)
            return Session.objects.none()
        return real_filter(*args, **kwargs)

    with mock.patch.object(Session.objects, "filter", side_effect=blind_first_lookup):
        second = create(world, form_token=token)
    assert calls and second.pk == first.pk
    assert Session.objects.count() == 1


def test_other_integrity_errors_are_not_hidden(world):  # noqa: F811
    with mock.patch.object(Session, "save", side_effect=IntegrityError("boom")):
        with pytest.raises(IntegrityError):
            create(world, form_token=uuid.uuid4())
