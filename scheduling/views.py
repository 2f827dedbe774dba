from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from clients.models import Region
from clients.selectors import active_sites, site_by_id

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
    try:
        day = timezone.datetime.fromisoformat(request.GET.get("week", "")).date()
    except ValueError:
        day = timezone.localdate()
    monday = selectors.week_bounds(day)
    site = site_by_id(request.GET.get("site"))
    region = Region.objects.filter(pk=request.GET.get("region") or None).first()
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
    }
    return render(request, "scheduling/live.html", context)
