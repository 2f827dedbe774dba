import datetime
import zoneinfo
from decimal import Decimal

import pytest

from sessions_app.models import Session
from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
from tests.factories import (
    AssetFactory,
    ClientFactory,
    RegionFactory,
    ServiceAgreementLineFactory,
    SessionTypeFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
)

SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def at(day: str, hm: str = "09:00") -> datetime.datetime:
    """An aware Sydney time: at("2026-12-01", "09:00")."""
    return datetime.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SYD)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Save and Roster runs in-process at commit, as with no broker (the `make run` demo),
    whatever CELERY_BROKER_URL says — except in the test of a real worker."""
    if "worker_on_private_queue" in request.fixturenames:
        yield
        return
    from config.celery import app

    app.conf.task_always_eager  # noqa: B018 - read first: the configuration is then loaded
    changes = app.conf.changes  # what was set on the app itself, over Django's settings
    before = changes.get("task_always_eager", _UNSET)
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        if before is _UNSET:
            changes.pop("task_always_eager", None)
        else:
            changes["task_always_eager"] = before


_UNSET = object()


@pytest.fixture
def live():
    """A site in Sydney with clients, agreement lines, workers and an asset, for live sessions."""
    west = RegionFactory(name="Sydney West", code="sydney-west")
    site = SiteFactory(name="Parramatta Day Centre", region=west, time_zone="Australia/Sydney")
    item = SupportItemFactory(item_number="01_011_0107_1_1")
    ada = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[site])
    bea = ClientFactory(first_name="Bea", last_name="Arthur", sites=[site])
    return {
        "site": site,
        "west": west,
        "ada": ada,
        "bea": bea,
        "ada_line": ServiceAgreementLineFactory(
            agreement__client=ada, support_item=item, budget_quantity=Decimal("500")
        ),
        "bea_line": ServiceAgreementLineFactory(
            agreement__client=bea, support_item=item, budget_quantity=Decimal("500")
        ),
        "wendy": WorkerFactory(first_name="Wendy", last_name="Walker", regions=[west]),
        "will": WorkerFactory(first_name="Will", last_name="Wong", regions=[west]),
        "chair": AssetFactory(name="Shower chair West", region=west),
        "type": SessionTypeFactory(name="Personal Care"),
    }


@pytest.fixture
def make(live):
    """make(start, end, workers=[...], client="ada", assets=[...], **fields): a live session
    through session_create (Draft unless status= says otherwise)."""

    def _make(start, end, *, workers=("wendy",), client="ada", quantity="2", assets=(),
              subject=None, **fields):
        line = live[f"{client}_line"]
        return session_create(
            work_type=Session.WorkType.APPOINTMENT,
            session_type=fields.pop("session_type", live["type"]),
            start=start,
            end=end,
            subject=subject or f"Personal care · {live[client].first_name}",
            site=live["site"],
            clients=[ClientSpec(live[client], [PlannedServiceSpec(line, Decimal(quantity))])],
            workers=[live[w] if isinstance(w, str) else w for w in workers],
            assets=[live[a] if isinstance(a, str) else a for a in assets],
            **fields,
        )

    return _make


def menu_post(client, url, data=None, **extra):
    """POST a session-menu modal as the browser does: with the version of the session (in the
    url) that the modal was opened on — the current one, unless the test passes its own."""
    import re

    data = dict(data or {})
    if "version" not in data:
        pk = int(re.search(r"/sessions/(\d+)/", url).group(1))
        found = Session.objects.filter(pk=pk).values_list("version", flat=True).first()
        data["version"] = found or 1
    return client.post(url, data, **extra)
