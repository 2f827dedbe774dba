"""Reads for the dashboard and the live schedule."""

import datetime

from django.utils import timezone

from clients import wallclock
from rostering.models import BaseRoster, RosterPeriod
from sessions_app.models import Session
from sessions_app.selectors import session_grid_queryset


def live_schedule(*, start: datetime.datetime, end: datetime.datetime, site=None, region=None):
    qs = session_grid_queryset().live().overlapping(start, end)
    if site is not None:
        qs = qs.filter(site=site)
    if region is not None:
        qs = qs.filter(site__region=region)
    return qs.order_by("start", "id")


def week_bounds(day: datetime.date):
    """(Monday, start, end) of the week of `day`, cut at midnight in the current time zone."""
    return wallclock.week_bounds(day, timezone.get_current_timezone())


def dashboard_stats(*, today: datetime.date) -> dict:
    _, start, end = week_bounds(today)
    week = Session.objects.live().overlapping(start, end)
    return {
        "base_rosters": BaseRoster.objects.filter(active=True).count(),
        "draft_periods": RosterPeriod.objects.filter(status=RosterPeriod.Status.DRAFT).count(),
        "live_this_week": week.count(),
        "unstaffed_this_week": week.filter(session_workers__isnull=True).count(),
    }
