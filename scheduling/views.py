from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from clients.models import Region
from clients.selectors import active_sites, site_by_id
from sessions_app.forms import EARLIEST_YEAR, LATEST_YEAR, parse_id, sane_date_or_none
from sessions_app.views import Saved, session_form

from . import selectors


def dashboard(request):
    today = timezone.localdate()
    week_start = selectors.week_bounds(today)
    context = {
        "stats": selectors.dashboard_stats(today=today),
        "base_rosters": selectors.dashboard_base_rosters(limit=8),
        "periods": selectors.dashboard_periods(limit=6),
        "roles": [g.name for g in request.user.groups.all()],
        "week_start": week_start,
    }
    return render(request, "scheduling/dashboard.html", context)


def live(request):
    """The live schedule: sessions of published periods and those made on it, by week."""
    asked = request.GET.get("week", "")
    day = sane_date_or_none(asked)
    week_error = ""
    if asked and day is None:
        week_error = (
            f"“{asked[:40]}” is not a week we can show: give a date from "
            f"{EARLIEST_YEAR} to {LATEST_YEAR} as YYYY-MM-DD. Showing this week."
        )
    monday = selectors.week_bounds(day or timezone.localdate())
    site = site_by_id(request.GET.get("site"))
    region_id = parse_id(request.GET.get("region"))
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    sessions = selectors.live_schedule(monday=monday, site=site, region=region)
    page = Paginator(sessions, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "monday": monday,
        "prev_week": monday - timezone.timedelta(days=7),
        "next_week": monday + timezone.timedelta(days=7),
        "sites": active_sites(),
        "regions": Region.objects.all(),
        "site": site,
        "region": region,
        "week_error": week_error,
    }
    return render(request, "scheduling/live.html", context, status=400 if week_error else 200)


@permission_required("sessions_app.add_session", raise_exception=True)
def new_session(request):
    """New Session on the live schedule: the session form, with Recurrence, whose main
    button is "Save and Roster" (`roster_saved` runs after the save has committed)."""
    return session_form(request, after_save=roster_saved)


def roster_saved(request, saved: Saved):
    """After "Save and Roster": roster the saved sessions (`saved.session_ids`, `saved.series`)
    in a background job. Rostering is not built yet, so the sessions stay Draft and the usual
    response follows (None)."""
    return None
