"""Reads for the dashboard and the live schedule."""

import datetime
import zoneinfo

from django.db.models import Count, Q

from clients import wallclock
from clients.models import Site
from jobs.models import Job
from rostering.models import BaseRoster, RosterPeriod
from sessions_app.models import Session
from sessions_app.selectors import session_grid_queryset

from .models import JOB_ROSTER, RosterOutcome


def live_schedule(*, monday: datetime.date, site=None, region=None):
    """The live sessions of the week from `monday`, each week cut at its own site's midnight."""
    qs = session_grid_queryset().live()
    if site is not None:
        qs = qs.filter(site=site)
    if region is not None:
        qs = qs.filter(site__region=region)
    return qs.filter(week_at_sites(monday, site=site, region=region)).order_by("start", "id")


def week_bounds(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


def week_at_sites(monday: datetime.date, *, site=None, region=None) -> Q:
    """Sessions overlapping Monday 00:00 to the next Monday 00:00 on their own site's clocks.

    One time range per zone of the sites in scope (a handful), so a Perth session on Sunday
    at 23:00 is in that week, not the next one as Sydney's clocks would have it.
    """
    if site is not None:
        zones = [site.time_zone]
    else:
        sites = Site.objects.all() if region is None else Site.objects.filter(region=region)
        zones = sorted(set(sites.values_list("time_zone", flat=True)))
    condition = Q(pk__in=[])
    for name in zones:
        _, start, end = wallclock.week_bounds(monday, zoneinfo.ZoneInfo(name))
        condition |= Q(site__time_zone=name, start__lt=end, end__gt=start)
    return condition


def dashboard_stats(*, today: datetime.date) -> dict:
    """The dashboard's figures; the live week's two counts in one pass over its sessions.

    The sessions are joined to their workers once (a session with two workers is two rows, so
    the sessions are counted distinct; one with none is one row with no worker).
    """
    week = (
        Session.objects.live()
        .filter(week_at_sites(week_bounds(today)))
        .order_by()
        .aggregate(
            live=Count("pk", distinct=True),
            unstaffed=Count("pk", filter=Q(session_workers__isnull=True)),
        )
    )
    return {
        "base_rosters": BaseRoster.objects.filter(active=True).count(),
        "draft_periods": RosterPeriod.objects.filter(status=RosterPeriod.Status.DRAFT).count(),
        "live_this_week": week["live"],
        "unstaffed_this_week": week["unstaffed"],
    }


def dashboard_base_rosters(*, limit: int = 8):
    """The active base rosters the dashboard lists (no session counts: it does not show them)."""
    return BaseRoster.objects.filter(active=True).select_related("site").order_by("name")[:limit]


def dashboard_periods(*, limit: int = 6):
    """The latest roster periods, as the period list orders them, without its session counts."""
    return RosterPeriod.objects.select_related("base_roster").order_by(
        "-start_date", "base_roster__name"
    )[:limit]


# --- Save and Roster ------------------------------------------------------------------------
def roster_job(*, job_id) -> Job | None:
    """A Save and Roster job (jobs.Job of kind JOB_ROSTER), or None."""
    return Job.objects.filter(pk=job_id, kind=JOB_ROSTER).first()


def roster_outcomes(*, job: Job) -> list[RosterOutcome]:
    """Each occurrence of the job and what became of it, in order (one query)."""
    return list(
        RosterOutcome.objects.filter(request_id=job.target_id)
        .select_related("session__site")
        .order_by("position")
    )


def latest_roster_outcomes(*, session_ids) -> dict[int, RosterOutcome]:
    """The latest Save and Roster outcome of each session that has one (to show the reason a
    Draft occurrence was not rostered beside it)."""
    latest = {}
    for o in RosterOutcome.objects.filter(session_id__in=list(session_ids)).order_by("-id"):
        latest.setdefault(o.session_id, o)
    return latest
