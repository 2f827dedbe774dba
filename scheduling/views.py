from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from clients.access import scoped
from sessions_app.models import Session
from sessions_app.views import Saved, session_form

from . import selectors, services
from .board import build_board
from .filters import ROWS, VIEWS, LiveScheduleFilter, LiveViewForm
from .models import RosterOutcome


def dashboard(request):
    today = timezone.localdate()
    week_start = selectors.week_bounds(today)
    context = {
        "stats": selectors.dashboard_stats(today=today, user=request.user),
        "base_rosters": selectors.dashboard_base_rosters(user=request.user, limit=8),
        "periods": selectors.dashboard_periods(user=request.user, limit=6),
        "roles": [g.name for g in request.user.groups.all()],
        "week_start": week_start,
    }
    return render(request, "scheduling/dashboard.html", context)


def live(request):
    """The live schedule: a board of rows (workers, clients or sites) over a day, a week or a
    fortnight, filtered; all of it in the query string. htmx requests get the board alone
    (`_live.html`), except a history restore (the back button), which gets the whole page."""
    today = timezone.localdate()
    view, rows, day, problems = LiveViewForm(request.GET).settings(today=today)
    num_days = VIEWS[view]
    first_day = day if view == "day" else selectors.week_bounds(day)
    filterset = LiveScheduleFilter(
        request.GET or None, queryset=scoped(request.user, Session.objects.all()),
        user=request.user,
    )
    if filterset.is_bound and not filterset.is_valid():
        problems.append("Some filters could not be used: see the message by each.")
    sessions = selectors.live_sessions_in_days(
        filterset.qs, first_day=first_day, num_days=num_days, **filterset.scope()
    )
    data = selectors.live_board(sessions, rows=rows, page_number=request.GET.get("page"))
    board = build_board(data, first_day=first_day, num_days=num_days)
    step = timezone.timedelta(days=num_days)
    last_day = first_day + timezone.timedelta(days=num_days - 1)
    context = {
        "filter": filterset,
        "board": board,
        "page": data.page,
        "view": view,
        "views": list(VIEWS),
        "rows": rows,
        "row_choices": ROWS,
        "first_day": first_day,
        "last_day": last_day,
        "day": day,
        "today": today,
        "shows_today": first_day <= today <= last_day,
        "prev_date": (first_day - step).isoformat(),
        "next_date": (first_day + step).isoformat(),
        "statuses": Session.Status.choices,
        "problems": problems,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "scheduling/_live.html" if partial else "scheduling/live.html"
    status = 200
    if problems:  # htmx swaps a 422 (as form errors), not a 400
        status = 422 if partial else 400
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@permission_required("sessions_app.add_session", raise_exception=True)
def new_session(request):
    """New Session on the live schedule: the session form, with Recurrence, whose main
    button is "Save and Roster" (`roster_saved` runs after the save has committed)."""
    return session_form(request, after_save=roster_saved)


def roster_saved(request, saved: Saved):
    """After "Save and Roster" (the save has committed): roster the saved sessions in a
    background job, and show its progress and each occurrence's outcome. With no broker the
    job has run in-process already, so the outcome is there at once."""
    job = services.roster_request(
        session_ids=saved.session_ids, series=saved.series, user=request.user
    )
    url = reverse("scheduling:roster_job", args=[job.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


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


def _roster_job_or_404(request, job_id):
    job = selectors.roster_job(job_id=job_id, user=request.user)
    if job is None:
        raise Http404("No such Save and Roster job.")
    return job


def roster_job(request, job_id):
    """The job's progress and outcome: the partial (polled every second while the job is
    busy) for htmx, a page of its own otherwise."""
    job = _roster_job_or_404(request, job_id)
    context = roster_outcome_context(request, job)
    template = "scheduling/_roster_outcome.html" if request.htmx else "scheduling/roster_job.html"
    return render(request, template, context)


@require_POST
@permission_required(ROSTER_PERMISSION, raise_exception=True)
def roster_job_again(request, job_id):
    """Roster again the occurrences the job left Draft; shows the new job."""
    job = _roster_job_or_404(request, job_id)
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
