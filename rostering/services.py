"""Writes to rosters. Each is one transaction that validates with full_clean()."""

import datetime

from django.db import transaction

from .models import BaseRoster, RosterPeriod


@transaction.atomic
def base_roster_create(*, name, cycle_weeks, start_date, active=True, site=None) -> BaseRoster:
    roster = BaseRoster(
        name=name, cycle_weeks=cycle_weeks, start_date=start_date, active=active, site=site
    )
    roster.full_clean()
    roster.save()
    return roster


@transaction.atomic
def roster_period_create(
    *, base_roster: BaseRoster, start_date: datetime.date, end_date: datetime.date
) -> RosterPeriod:
    """An empty draft period (generation from the base roster comes with its own service)."""
    period = RosterPeriod(base_roster=base_roster, start_date=start_date, end_date=end_date)
    period.full_clean()
    period.save()
    return period
