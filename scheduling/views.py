from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.models import Region
from clients.selectors import active_sites, site_by_id
from sessions_app.forms import EARLIEST_YEAR, LATEST_YEAR, parse_id, sane_date_or_none

from . import selectors, services
from .models import RosterOutcome


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


# --- Save and Roster: the job's progress and each occurrence's outcome ----------------------
ROSTER_PERMISSION = "sessions_app.change_session"


def roster_outcome_context(request, job, *, error=""):
    """What `scheduling/_roster_outcome.html` needs for `job` (a Save and Roster job)."""
    outcomes = selectors.roster_outcomes(job=job)
    return {
        "job": job,
        "outcomes": outcomes,
        "polling": job.busy,
        "roster_error": error,
        "can_roster_again": request.user.has_perm(ROSTER_PERMISSION)
        and not job.is_active
        and any(
            o.result == RosterOutcome.Result.DRAFT and o.session.status == "draft"
            for o in outcomes
        ),
    }


def _roster_job_or_404(job_id):
    job = selectors.roster_job(job_id=job_id)
    if job is None:
        raise Http404("No such Save and Roster job.")
    return job


def roster_job(request, job_id):
    """The job's progress and outcome: the partial (polled every second while the job is
    busy) for htmx, a page of its own otherwise."""
    job = _roster_job_or_404(job_id)
    context = roster_outcome_context(request, job)
    template = "scheduling/_roster_outcome.html" if request.htmx else "scheduling/roster_job.html"
    return render(request, template, context)


@require_POST
@permission_required(ROSTER_PERMISSION, raise_exception=True)
def roster_job_again(request, job_id):
    """Roster again the occurrences the job left Draft; shows the new job."""
    job = _roster_job_or_404(job_id)
    try:
        new = services.roster_again(job=job, user=request.user)
    except ValidationError as exc:
        context = roster_outcome_context(request, job, error=" ".join(exc.messages))
        template = (
            "scheduling/_roster_outcome.html" if request.htmx else "scheduling/roster_job.html"
        )
        return render(request, template, context, status=422)
    if request.htmx:
        new.refresh_from_db()
        return render(request, "scheduling/_roster_outcome.html",
                      roster_outcome_context(request, new))
    return redirect("scheduling:roster_job", job_id=new.pk)
