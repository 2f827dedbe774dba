"""`manage.py seed_demo` and the builders behind it (the demo.seed package)."""

import datetime
import io
import math
import zoneinfo
from collections import defaultdict

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from clients.models import Client, GroupTemplate, Region, ServiceAgreement, Site, SupportItem
from demo import seed as demo
from demo.seed import rosters
from rostering.models import BaseRoster
from sessions_app.forms import subject_for
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from workforce.models import Worker, WorkerQualification

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("clients", "rostering", "sessions_app", "auth")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login_request():
    """The login request django-axes needs to see for every authenticate()."""
    return RequestFactory().post("/accounts/login/")


def counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models()
    } | {
        f"{m._meta.label}.{f.name}": f.remote_field.through.objects.count()
        for label in DOMAIN_APPS
        for m in apps.get_app_config(label).get_models()
        for f in m._meta.many_to_many
    }


def seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **kwargs)
    return out.getvalue()


def convention_subject(session: Session, clients) -> str:
    """The naming convention's subject, with the clients in the order the session form lists
    them (the Client ordering: last name, first name)."""
    ordered = sorted(clients, key=lambda c: (c.last_name, c.first_name, c.pk))
    return subject_for(site=session.site, session_type=session.session_type, clients=ordered)


def assert_roster_invariants(roster: BaseRoster):
    """Every session of the roster passes the model checks and the scheduling rules."""
    sessions = list(
        Session.objects.filter(base_roster=roster).select_related(
            "site", "region", "session_type", "base_roster", "group_template"
        ).prefetch_related("session_type__required_qualifications")
    )
    assert sessions
    by_id = {s.pk: s for s in sessions}
    for s in sessions:
        s.full_clean()
        assert s.status == Session.Status.DRAFT
        assert s.region_id == s.site.region_id
        tz = zoneinfo.ZoneInfo(s.site.time_zone)
        local_start, local_end = s.start.astimezone(tz), s.end.astimezone(tz)
        assert local_start.minute % 15 == 0  # a wall-clock time in the site's zone
        if s.session_type.name == "Sleepover":
            assert (local_start.hour, local_end.hour) == (22, 6)
            assert local_end.date() == local_start.date() + datetime.timedelta(days=1)
            assert s.activities.filter(kind=SessionActivity.Kind.SLEEPOVER).exists()

    scs = list(
        SessionClient.objects.filter(session__base_roster=roster).select_related(
            "session__site", "client"
        ).prefetch_related("client__sites")
    )
    clients_of = defaultdict(list)
    for sc in scs:
        sc.full_clean()
        clients_of[sc.session_id].append(sc.client)

    planned = list(
        PlannedService.objects.filter(session_client__session__base_roster=roster)
        .select_related(
            "session_client__session__site", "session_client__client",
            "agreement_line__agreement", "agreement_line__support_item", "support_item",
            "group_template_item",
        )
    )
    services_of = defaultdict(list)
    for ps in planned:
        ps.full_clean()
        session = by_id[ps.session_client.session_id]
        services_of[ps.session_client_id].append(ps)
        assert ps.unit_price == ps.support_item.price
        if ps.support_item.unit == SupportItem.Unit.HOUR and ps.group_template_item_id is None:
            hours = (session.end - session.start).total_seconds() / 3600
            assert float(ps.quantity) == pytest.approx(hours, abs=0.01)
        if session.work_type == Session.WorkType.GROUP:
            assert ps.agreement_line.delivery_ratio == session.ratio
            assert ps.group_template_item.template_id == session.group_template_id
    assert all(services_of[sc.pk] for sc in scs), "every client has a planned service"

    for sa in SessionAsset.objects.filter(session__base_roster=roster).select_related(
        "session__site", "session__region", "asset"
    ):
        sa.full_clean()
    for act in SessionActivity.objects.filter(session__base_roster=roster).select_related(
        "session"
    ):
        act.full_clean()
        if act.kind == SessionActivity.Kind.BREAK:
            assert act.paid is False

    workers_of = defaultdict(list)
    for sw in SessionWorker.objects.filter(session__base_roster=roster).select_related(
        "worker"
    ).prefetch_related("worker__regions", "worker__qualifications"):
        sw.full_clean()
        workers_of[sw.session_id].append(sw.worker)

    for s in sessions:
        clients, workers = clients_of[s.pk], workers_of[s.pk]
        assert workers, s
        if s.work_type == Session.WorkType.APPOINTMENT:
            assert len(clients) == 1 and len(workers) == 1, s
        else:
            members = set(s.group_template.members.values_list("pk", flat=True))
            assert {c.pk for c in clients} <= members
            w_ratio, c_ratio = (int(x) for x in s.ratio.split(":"))
            assert len(workers) == math.ceil(len(clients) / c_ratio) * w_ratio
        assert s.subject == convention_subject(s, clients), s
        day = s.local_date
        required = {q.pk for q in s.session_type.required_qualifications.all()}
        for w in workers:
            assert w.is_active_on(day), (w, s)
            assert s.site.region_id in {r.pk for r in w.regions.all()}, (w, s)
            valid = {wq.qualification_id for wq in w.qualifications.all() if wq.is_valid_on(day)}
            assert required <= valid, (w, s)

    # Nobody and nothing is in two places at once (back-to-back is fine).
    busy = defaultdict(list)
    for s in sessions:
        for w in workers_of[s.pk]:
            busy[("worker", w.pk)].append((s.start, s.end))
        for c in clients_of[s.pk]:
            busy[("client", c.pk)].append((s.start, s.end))
    for a_id, s_id in SessionAsset.objects.filter(session__base_roster=roster).values_list(
        "asset_id", "session_id"
    ):
        busy[("asset", a_id)].append((by_id[s_id].start, by_id[s_id].end))
    for key, spans in busy.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert end <= start, f"{key} double-booked"


# ------------------------------------------------------------------------------------------


def test_seed_creates_a_believable_demo():
    output = seed()

    assert Region.objects.count() >= 2
    assert len(set(Site.objects.values_list("time_zone", flat=True))) >= 2
    assert 50 <= Worker.objects.count() <= 70
    assert 100 <= Client.objects.count() <= 140
    assert Worker.objects.filter(active_to__isnull=False).exists()
    assert WorkerQualification.objects.filter(
        expires_on__lt=timezone.localdate()
    ).exists(), "some qualifications have lapsed"
    for client in Client.objects.prefetch_related("agreements__lines", "sites"):
        assert 1 <= client.sites.count() <= 2
        agreements = list(client.agreements.all())
        assert agreements and all(a.lines.exists() for a in agreements)
        assert any(a.is_active_on(timezone.localdate()) for a in agreements)
    funding = set(ServiceAgreement.objects.values_list("funding_source", flat=True))
    assert len(funding) >= 3

    for template in GroupTemplate.objects.prefetch_related("members__sites", "items"):
        assert 3 <= template.members.count() <= 6
        for member in template.members.all():
            assert template.site in member.sites.all()
            agreement = member.agreements.get()
            for item in template.items.all():
                assert agreement.lines.filter(
                    support_item=item.support_item, delivery_ratio=template.ratio
                ).exists()

    roster = BaseRoster.objects.get(name=demo.NORMAL_ROSTER_NAME)
    assert roster.active and roster.cycle_weeks == 2
    assert roster.start_date.weekday() == 0
    assert roster.start_date <= timezone.localdate() < roster.start_date + datetime.timedelta(7)
    assert 100 <= roster.sessions.count() <= 200
    assert roster.sessions.filter(work_type=Session.WorkType.GROUP).count() >= 10
    assert roster.sessions.filter(session_type__name="Sleepover").exists()
    assert SessionActivity.objects.filter(
        session__base_roster=roster, kind=SessionActivity.Kind.BREAK, paid=False
    ).exists()
    assert SessionAsset.objects.filter(session__base_roster=roster).exists()

    for username, group in (
        ("admin", "Administrator"), ("scheduler", "Scheduler"), ("coordinator", "Coordinator")
    ):
        user = authenticate(login_request(), username=username, password=username)
        assert user is not None, username
        assert user.groups.filter(name=group).exists()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not get_user_model().objects.get(username="scheduler").is_staff

    assert "Demo logins" in output and "admin" in output
    assert f'Base roster "{demo.NORMAL_ROSTER_NAME}": {roster.sessions.count()} sessions' in output


def test_seed_twice_adds_nothing():
    seed()
    before = counts()
    output = seed()
    assert counts() == before
    assert "nothing new" in output


def test_seeded_sessions_pass_the_model_invariants():
    seed()
    assert_roster_invariants(BaseRoster.objects.get(name=demo.NORMAL_ROSTER_NAME))


def test_seed_is_deterministic():
    def snapshot():
        return [
            (s.subject, s.start, s.end, tuple(s.session_workers.values_list("worker__email",
                                                                              flat=True)))
            for s in Session.objects.filter(base_roster__name=demo.NORMAL_ROSTER_NAME)
            .order_by("start", "subject", "pk").prefetch_related("session_workers")
        ]

    today = datetime.date(2026, 3, 11)
    demo.build_normal(seed=7, today=today)
    first = snapshot()
    # Plan the roster again from scratch with the same seed: the same sessions come out.
    Session.objects.filter(base_roster__name=demo.NORMAL_ROSTER_NAME).delete()
    again = demo.build_normal(seed=7, today=today)
    assert not again.created["workers"] and not again.created["clients"]
    assert again.created["sessions"] == len(first)
    assert snapshot() == first


def test_sleepovers_across_a_daylight_saving_change_keep_wall_clock_times():
    # Sydney clocks go forward on Sunday 4 October 2026; the cycle starts Monday 28 September.
    report = demo.build_normal(today=datetime.date(2026, 10, 1))
    roster = BaseRoster.objects.get(name=demo.NORMAL_ROSTER_NAME)
    assert roster.start_date == datetime.date(2026, 9, 28)
    assert report.roster_sessions >= 100
    assert_roster_invariants(roster)


def test_logins_recreate_missing_role_groups():
    Group.objects.all().delete()
    names, made = demo.ensure_demo_logins()
    assert made == 3
    assert authenticate(login_request(), username="scheduler", password="scheduler").groups.filter(
        name="Scheduler", permissions__codename="add_session"
    ).exists()


def test_refused_under_production_settings(settings):
    settings.DEMO_LOGINS_ALLOWED = False
    before = counts()
    with pytest.raises(CommandError, match="Demo logins are refused under production settings"):
        seed()
    assert counts() == before


def test_no_logins_option_seeds_data_only(settings):
    settings.DEMO_LOGINS_ALLOWED = False
    output = seed(no_logins=True)
    assert not get_user_model().objects.filter(username__in=["admin", "scheduler"]).exists()
    assert Worker.objects.exists()
    assert "Demo logins" not in output


def test_large_builder_exercised_small():
    report = demo.build_large(workers=50, clients=100, sites=6, sessions_per_week=300)

    assert Worker.objects.count() == 50
    assert Client.objects.count() == 100
    assert Site.objects.count() == 6
    assert len(set(Site.objects.values_list("time_zone", flat=True))) == 3
    roster = BaseRoster.objects.get(name=demo.LARGE_ROSTER_NAME)
    assert roster.cycle_weeks == 1
    sessions = roster.sessions.count()
    assert report.roster_sessions == sessions
    assert 270 <= sessions <= 300
    assert roster.sessions.filter(work_type=Session.WorkType.GROUP).exists()
    assert SessionClient.objects.filter(session__base_roster=roster).count() >= sessions
    assert_roster_invariants(roster)

    before = counts()
    again = demo.build_large(workers=50, clients=100, sites=6, sessions_per_week=300)
    assert counts() == before
    assert again.roster_skipped and not sum(again.created.values())


def assert_subjects_follow_the_convention(roster: BaseRoster) -> int:
    """Every session's subject is subject_for(...) of its site, type and clients; returns how
    many of them name more clients than the pattern shows ("+N more")."""
    sessions = list(
        Session.objects.filter(base_roster=roster)
        .select_related("site", "session_type")
        .prefetch_related("session_clients__client")
    )
    assert sessions
    more = 0
    for s in sessions:
        clients = [sc.client for sc in s.session_clients.all()]
        assert s.subject == convention_subject(s, clients), s.subject
        if len(clients) > 3:
            more += 1
            assert f", +{len(clients) - 3} more" in s.subject, s.subject
    return more


def test_every_demo_subject_follows_the_naming_convention():
    seed(no_logins=True)
    roster = BaseRoster.objects.get(name=demo.NORMAL_ROSTER_NAME)
    assert assert_subjects_follow_the_convention(roster) >= 1, "a group names '+N more'"


def test_large_subjects_follow_a_changed_naming_convention(settings):
    settings.SESSION_SUBJECT_PATTERN = "{clients} – {session_type} at {site}"
    demo.build_large(workers=50, clients=100, sites=6, sessions_per_week=300)
    roster = BaseRoster.objects.get(name=demo.LARGE_ROSTER_NAME)
    assert assert_subjects_follow_the_convention(roster) >= 1
    assert Session.objects.filter(subject__contains=" more – Group Program at ").exists()


def test_bulk_writing_gives_what_the_session_services_give():
    """The large scale's bulk writer and session_create write the same rows for one plan."""

    def snapshot():
        sessions = (
            Session.objects.filter(base_roster__name=demo.LARGE_ROSTER_NAME)
            .order_by("start", "subject", "site_id")
            .prefetch_related(
                "session_clients__planned_services", "session_workers", "session_assets",
                "activities", "service_types",
            )
        )
        return [
            (
                s.work_type, s.billable, s.session_type_id, s.start, s.end, s.subject,
                s.site_id, s.region_id, s.group_template_id, s.ratio, s.status,
                s.employee_message,
                sorted(
                    (sc.client_id, sc.status, sorted(
                        (ps.agreement_line_id, ps.group_template_item_id, ps.support_item_id,
                         ps.quantity, ps.unit_price)
                        for ps in sc.planned_services.all()
                    ))
                    for sc in s.session_clients.all()
                ),
                sorted(sw.worker_id for sw in s.session_workers.all()),
                sorted(sa.asset_id for sa in s.session_assets.all()),
                sorted((a.kind, a.start, a.end, a.paid) for a in s.activities.all()),
                sorted(t.pk for t in s.service_types.all()),
            )
            for s in sessions
        ]

    size = dict(workers=40, clients=80, sites=4, sessions_per_week=200)
    demo.build_large(**size)
    in_bulk = snapshot()
    Session.objects.filter(base_roster__name=demo.LARGE_ROSTER_NAME).delete()
    again = demo.build_large(**size, write_in_bulk=False)
    assert again.created["sessions"] == len(in_bulk) >= 150
    assert snapshot() == in_bulk


def _second_client(plans):
    appointment = next(p for p in plans if p.work_type == Session.WorkType.APPOINTMENT)
    other = next(p for p in plans if p.clients[0][0] != appointment.clients[0][0])
    appointment.clients.append(other.clients[0])
    return "An Appointment has exactly one client."


def _activity_outside(plans):
    p = plans[0]
    p.activities.append((SessionActivity.Kind.BREAK, p.end, p.end + datetime.timedelta(hours=1),
                         False))
    return "An activity must lie inside the session's times."


@pytest.mark.parametrize("write_in_bulk", [True, False], ids=["bulk", "services"])
@pytest.mark.parametrize("spoil", [_second_client, _activity_outside])
def test_both_writers_refuse_what_the_session_rules_refuse(monkeypatch, write_in_bulk, spoil):
    planned = rosters.Planner.plan
    messages = []

    def spoiled(self):
        plans = planned(self)
        messages.append(spoil(plans))
        return plans

    monkeypatch.setattr(rosters.Planner, "plan", spoiled)
    with pytest.raises(ValidationError) as caught:
        demo.build_large(workers=20, clients=40, sites=3, sessions_per_week=60,
                         write_in_bulk=write_in_bulk)
    assert messages[0] in str(caught.value)
    assert not Session.objects.exists()
