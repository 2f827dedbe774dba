import datetime

import pytest

from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    RosterPeriodFactory,
    ServiceAgreementLineFactory,
    SessionTypeFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
)


@pytest.fixture
def world():
    """Two sites in two regions, clients, assets, workers and a base roster and period."""
    west = RegionFactory(name="Sydney West", code="sydney-west")
    north = RegionFactory(name="Brisbane North", code="brisbane-north")
    parra = SiteFactory(name="Parramatta Day Centre", region=west)
    chermside = SiteFactory(
        name="Chermside Hub", region=north, time_zone="Australia/Brisbane"
    )
    ada = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[parra])
    bea = ClientFactory(first_name="Bea", last_name="Arthur", sites=[parra])
    cal = ClientFactory(first_name="Cal", last_name="Northern", sites=[chermside])
    item = SupportItemFactory(
        item_number="01_011_0107_1_1",
        name="Assistance With Self-Care Activities - Standard - Weekday Daytime",
    )
    ada_line = ServiceAgreementLineFactory(agreement__client=ada, support_item=item)
    bea_line = ServiceAgreementLineFactory(agreement__client=bea, support_item=item)
    cal_line = ServiceAgreementLineFactory(agreement__client=cal, support_item=item)
    roster = BaseRosterFactory(
        name="Fortnight", start_date=datetime.date(2026, 11, 2), cycle_weeks=2
    )
    return {
        "west": west,
        "north": north,
        "parra": parra,
        "chermside": chermside,
        "ada": ada,
        "bea": bea,
        "cal": cal,
        "ada_line": ada_line,
        "bea_line": bea_line,
        "cal_line": cal_line,
        "chair": AssetFactory(name="Shower chair West", region=west),
        "bus": AssetFactory(name="Minibus North", region=north, kind="minibus"),
        "wendy": WorkerFactory(first_name="Wendy", last_name="Worker", regions=[west]),
        "will": WorkerFactory(first_name="Will", last_name="Other", regions=[west]),
        "session_type": SessionTypeFactory(name="Personal Care"),
        "roster": roster,
        "period": RosterPeriodFactory(
            base_roster=roster,
            start_date=datetime.date(2026, 11, 16),
            end_date=datetime.date(2026, 11, 29),
        ),
    }


def form_data(world, **overrides):
    """A complete, valid POST of the session form for the base roster."""
    data = {
        "_action": "save",
        "work_type": "appointment",
        "billable": "true",
        "session_type": world["session_type"].pk,
        "start": "2026-11-03T09:00",
        "end": "2026-11-03T11:00",
        "subject": "",
        "site": world["parra"].pk,
        "region": "",
        "clients": [world["ada"].pk],
        "workers": [world["wendy"].pk],
        "assets": [world["chair"].pk],
        **planned(world["ada"], (world["ada_line"], "2")),
        "act-TOTAL_FORMS": "1",
        "act-INITIAL_FORMS": "0",
        "act-MIN_NUM_FORMS": "0",
        "act-MAX_NUM_FORMS": "20",
        "act-0-kind": "break",
        "act-0-start": "2026-11-03T10:00",
        "act-0-end": "2026-11-03T10:30",
        "act-0-paid": "false",
        "comments": "Bring the blue folder.",
        "employee_message": "Ring the bell twice.",
    }
    data.update(overrides)
    return data


def planned(client, *rows, plan=True):
    """The POST of one client's planned-services formset: rows of (line, quantity)."""
    prefix = f"ps-{getattr(client, 'pk', client)}"
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(len(rows))}
    for i, (line, qty) in enumerate(rows):
        data[f"{prefix}-{i}-line"] = getattr(line, "pk", line)
        data[f"{prefix}-{i}-quantity"] = qty
        if plan:
            data[f"{prefix}-{i}-plan"] = "on"
    return data
