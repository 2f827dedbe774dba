from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from clients.formatting import nice_date, nice_date_range
from clients.selectors import active_sites, site_by_id
from sessions_app.forms import EARLIEST_YEAR, LATEST_YEAR
from sessions_app.selectors import (
    build_week_grid,
    first_site_with_sessions,
    grid_window,
    sessions_for_base_roster,
    sessions_for_roster_period,
)
from sessions_app.versioning import STALE_STATUS, StaleEdit
from sessions_app.views import session_form

from . import selectors, services
from .filters import BaseRosterFilter, RosterPeriodFilter
from .forms import BaseRosterEditForm, BaseRosterForm, RosterPeriodEditForm, RosterPeriodForm
from .generation import with_occurrence_counts
from .models import BaseRoster, RosterPeriod

# A period with more sessions than this shows one site at a time (a 4-week period of a large
# provider has ~60,000 sessions; a browser cannot usefully show them all).
GRID_SESSION_LIMIT = 800
PREVIEW_LIMIT = 50


def _form_error_status(form):
    return 422 if form.is_bound and form.errors else 200


def _apply_service_errors(form, exc: ValidationError):
    for fld, errs in exc.message_dict.items():
        form.add_error(fld if fld in form.fields else None, errs)


def base_roster_list(request):
    flt = BaseRosterFilter(request.GET, queryset=selectors.base_roster_list())
    page = Paginator(flt.qs, 25).get_page(request.GET.get("page"))
    return render(request, "rostering/base_roster_list.html", {"filter": flt, "page": page})


@permission_required("rostering.add_baseroster", raise_exception=True)
def base_roster_create(request):
    form = BaseRosterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster = services.base_roster_create(**form.cleaned_data)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, f"Base roster “{roster.name}” created.")
            return redirect("rostering:base_roster_detail", pk=roster.pk)
    return render(
        request, "rostering/base_roster_form.html", {"form": form}, status=_form_error_status(form)
    )


@permission_required("rostering.change_baseroster", raise_exception=True)
def base_roster_edit(request, pk):
    """Edit a base roster. A save refused because someone saved it since the form was opened
    keeps this person's input, says what changed, and takes the current version (409)."""
    roster = get_object_or_404(BaseRoster, pk=pk)
    shown = BaseRoster(pk=roster.pk, name=roster.name)  # the form may change the instance
    status = 200
    if request.method == "POST":
        form = BaseRosterEditForm(request.POST, instance=roster)
        if form.is_valid():
            cd = dict(form.cleaned_data)
            version = cd.pop("version")
            try:
                roster = services.base_roster_update(
                    roster=roster, expected_version=version, user=request.user, **cd
                )
            except StaleEdit as exc:
                current = exc.current
                form.refused(exc, current={
                    name: getattr(current, name) for name in services.BASE_ROSTER_FIELDS
                })
                status = STALE_STATUS
            except ValidationError as exc:
                _apply_service_errors(form, exc)
            else:
                messages.success(request, f"Base roster “{roster.name}” updated.")
                return redirect("rostering:base_roster_detail", pk=roster.pk)
        status = status if status != 200 else _form_error_status(form)
    else:
        form = BaseRosterEditForm(instance=roster, initial={"version": roster.version})
    return render(request, "rostering/base_roster_form.html",
                  {"form": form, "roster": shown, "editing": True}, status=status)


@permission_required("rostering.change_rosterperiod", raise_exception=True)
def roster_period_edit(request, pk):
    """Change how many cycles a draft period lasts; refused like base_roster_edit when someone
    changed the period (or published it) since the form was opened."""
    period = get_object_or_404(RosterPeriod.objects.select_related("base_roster"), pk=pk)
    status = 200
    if request.method == "POST":
        form = RosterPeriodEditForm(request.POST)
        if form.is_valid():
            try:
                period = services.roster_period_update(
                    period=period, cycles=form.cleaned_data["cycles"],
                    expected_version=form.cleaned_data["version"], user=request.user,
                )
            except StaleEdit as exc:
                form.refused(exc, current={"cycles": exc.current.cycles}, note=(
                    f"It is {exc.current.get_status_display()} now."
                    if exc.current.is_published else ""
                ))
                period = exc.current
                status = STALE_STATUS
            except ValidationError as exc:
                _apply_service_errors(form, exc)
            else:
                messages.success(request, f"Roster period {period} updated.")
                return redirect("rostering:roster_period_detail", pk=period.pk)
        status = status if status != 200 else _form_error_status(form)
    else:
        form = RosterPeriodEditForm(initial={"cycles": period.cycles, "version": period.version})
    return render(request, "rostering/roster_period_edit.html",
                  {"form": form, "period": period}, status=status)


def _partial(request) -> bool:
    """An htmx request for the grid alone (not the back button restoring a whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _grid_site(request, default=None):
    site_id = request.GET.get("site")
    if site_id:
        return site_by_id(site_id)
    return default


def base_roster_detail(request, pk):
    roster = get_object_or_404(
        BaseRoster.objects.select_related("site").annotate(session_total=Count("sessions")),
        pk=pk,
    )
    site, scope_note = _grid_scope(
        request, default_site=roster.site, total=roster.session_total,
        noun="base roster", base_roster=roster,
    )
    if EARLIEST_YEAR <= roster.start_date.year <= LATEST_YEAR:
        window = grid_window(
            start_date=roster.start_date, num_days=roster.cycle_days,
            week=request.GET.get("week"),
        )
        grid = _grid_context(
            sessions_for_base_roster(base_roster=roster, site=site, days=window),
            window, site=site, default_site=roster.site, total=roster.session_total,
            noun="base roster",
        )
    else:  # saved before dates were checked: no grid to draw, say why
        grid = {"weeks": [], "window": None, "site": site, "sites": active_sites(),
                "session_total": roster.session_total, "session_count": 0,
                "noun": "base roster", "scoped_site": None}
        scope_note = (
            f"This base roster starts on {nice_date(roster.start_date)}, outside "
            f"{EARLIEST_YEAR}–{LATEST_YEAR}: correct its start date to see its grid."
        )
    context = {
        "roster": roster,
        **grid,
        "scope_note": scope_note,
        "can_add": request.user.has_perm("sessions_app.add_session"),
        "new_session_url": reverse("rostering:base_roster_session_create", args=[roster.pk]),
    }
    template = "rostering/_grid.html" if _partial(request) else "rostering/base_roster_detail.html"
    return render(request, template, context)


def roster_period_list(request):
    flt = RosterPeriodFilter(request.GET, queryset=selectors.roster_period_list())
    page = Paginator(flt.qs, 25).get_page(request.GET.get("page"))
    return render(request, "rostering/roster_period_list.html", {"filter": flt, "page": page})


@permission_required("rostering.add_rosterperiod", raise_exception=True)
def roster_period_create(request):
    """A period from a base roster. An htmx GET (a field changed) re-renders the form only."""
    if request.method == "POST":
        form = RosterPeriodForm(request.POST)
    else:
        fields = ("base_roster", "start_date", "cycles")
        form = RosterPeriodForm(initial={k: request.GET[k] for k in fields if request.GET.get(k)})
    if request.method == "POST" and form.is_valid():
        try:
            period = services.roster_period_create(**form.cleaned_data)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Roster period {nice_date_range(period.start_date, period.end_date)} of "
                f"{period.base_roster} created.",
            )
            return redirect("rostering:roster_period_detail", pk=period.pk)
    template = (
        "rostering/_roster_period_form.html"
        if request.htmx and request.method == "GET"
        else "rostering/roster_period_form.html"
    )
    return render(request, template, {"form": form}, status=_form_error_status(form))


def _grid_scope(request, *, default_site, total, noun, **home):
    """(site, note): big grids show one site at a time, so a page never grows unbounded."""
    site = _grid_site(request, default_site)
    if site is None and total > GRID_SESSION_LIMIT:
        site = first_site_with_sessions(**home)
        return site, (
            f"This {noun} has {total:,} sessions, too many to show at once: showing "
            f"{site}. Choose another site above."
        )
    return site, ""


def _grid_context(sessions, window, *, site, default_site, total, noun) -> dict:
    """The grid of one week (`window`) and the counts the page header shows."""
    weeks = build_week_grid(
        start_date=window.first_day, num_days=window.num_days, sessions=sessions,
        first_week=window.number,
    )
    return {
        "weeks": weeks,
        "window": window,
        "site": site,
        "sites": active_sites(),
        "session_total": total,
        "session_count": sum(len(day.sessions) for week in weeks for day in week.days),
        "noun": noun,
        # Said in the header when the grid shows another site than the roster's own.
        "scoped_site": site if site is not None and site != default_site else None,
    }


def roster_period_detail(request, pk):
    periods = RosterPeriod.objects.select_related("base_roster__site")
    if not _partial(request):
        periods = with_occurrence_counts(periods)
    period = get_object_or_404(periods, pk=pk)
    # One pass over the period's sessions: the header's count, and (for the validation panel)
    # whether they changed since the last validation.
    state = selectors.period_sessions_state(period=period)
    period.session_total = state.count
    site, scope_note = _grid_scope(
        request, default_site=period.base_roster.site, total=period.session_total,
        noun="period", roster_period=period,
    )
    window = grid_window(
        start_date=period.start_date,
        num_days=(period.end_date - period.start_date).days + 1,
        week=request.GET.get("week"),
    )
    context = {
        "period": period,
        **_grid_context(sessions_for_roster_period(roster_period=period, site=site, days=window),
                        window, site=site, default_site=period.base_roster.site,
                        total=period.session_total, noun="period"),
        "scope_note": scope_note,
        "can_add": request.user.has_perm("sessions_app.add_session")
        and period.accepts_sessions,
        "new_session_url": reverse("rostering:roster_period_session_create", args=[period.pk]),
        "sessions_state": state,
    }
    if _partial(request):
        return render(request, "rostering/_grid.html", context)
    context.update(_generation_context(request, period))
    return render(request, "rostering/roster_period_detail.html", context)


# -- generating the period's sessions from its base roster ---------------------------------


def _generation_context(request, period, *, missing=True):
    job = selectors.generation_job(period=period)
    polling = job is not None and job.busy
    context = {
        "period": period,
        "job": job,
        "generation_polling": polling,
        "can_generate": request.user.has_perm("rostering.change_rosterperiod")
        and not period.is_published
        and period.base_roster.active,
    }
    if missing and not polling:
        context["missing_count"] = services.missing_occurrence_count(period=period)
    return context


def _generation_panel(request, period, *, was_polling=False, error=""):
    """The generation panel; once a job it was showing ends, the whole page reloads."""
    context = _generation_context(request, period)
    context["generation_error"] = error
    response = render(request, "rostering/_generation.html", context)
    if was_polling and not error and not context["generation_polling"]:
        # The job is over: reload the page (grid, counts, site scope change with it) once the
        # panel without polling has been swapped in. (HX-Refresh would skip the swap, and the
        # old panel would go on polling — and reloading — while the big page loads.)
        response["HX-Trigger-After-Swap"] = "reloadPage"
    return response


@require_POST
@permission_required("rostering.change_rosterperiod", raise_exception=True)
def roster_period_generate(request, pk):
    """Generate (or bring in) the period's missing sessions as a background job."""
    period = get_object_or_404(RosterPeriod.objects.select_related("base_roster"), pk=pk)
    try:
        started = services.roster_period_generation_request(period=period, user=request.user)
    except ValidationError as exc:
        started, error = False, " ".join(exc.messages)
    else:
        error = ""
    if request.htmx:
        response = _generation_panel(request, period, was_polling=True, error=error)
        response["HX-Trigger"] = "closeModal"
        return response
    if error:
        messages.error(request, error)
    elif not started:
        messages.info(request, "Sessions are already being generated for this period.")
    return redirect("rostering:roster_period_detail", pk=period.pk)


def roster_period_generation(request, pk):
    """The generation panel, polled every second while a job is queued or running."""
    period = get_object_or_404(RosterPeriod.objects.select_related("base_roster"), pk=pk)
    if not request.htmx:
        return redirect("rostering:roster_period_detail", pk=period.pk)
    return _generation_panel(request, period, was_polling=True)


def roster_period_missing(request, pk):
    """Preview of the base-roster sessions not in the period yet (capped)."""
    period = get_object_or_404(RosterPeriod.objects.select_related("base_roster"), pk=pk)
    context = {
        "period": period,
        "missing": services.missing_occurrences(period=period, limit=PREVIEW_LIMIT),
        "missing_count": services.missing_occurrence_count(period=period),
        "can_generate": request.user.has_perm("rostering.change_rosterperiod")
        and not period.is_published
        and period.base_roster.active,
    }
    template = "rostering/_missing.html" if request.htmx else "rostering/roster_period_missing.html"
    return render(request, template, context)


@permission_required("sessions_app.add_session", raise_exception=True)
def base_roster_session_create(request, pk):
    """Roster Session on a base roster: the session form, at home on this roster."""
    return session_form(request, base_roster=get_object_or_404(BaseRoster, pk=pk))


@permission_required("sessions_app.add_session", raise_exception=True)
def roster_period_session_create(request, pk):
    """Roster Session on a roster period: the session form, at home on this period."""
    period = get_object_or_404(RosterPeriod.objects.select_related("base_roster__site"), pk=pk)
    if request.method == "GET" and not period.accepts_sessions:
        # Closed: no form to fill in. (A form posted after the period was published gets the
        # service's refusal beside the form, with status 422.)
        messages.error(request, _closed_message(period))
        url = period.get_absolute_url()
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return session_form(request, roster_period=period)


def _closed_message(period) -> str:
    return (
        f"The roster period {period} is published: it takes no more sessions. "
        "Add the session on the live schedule instead."
    )
