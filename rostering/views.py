from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clients.models import Site
from sessions_app.selectors import (
    build_week_grid,
    sessions_for_base_roster,
    sessions_for_roster_period,
)

from . import selectors, services
from .filters import BaseRosterFilter, RosterPeriodFilter
from .forms import BaseRosterForm, RosterPeriodForm
from .models import BaseRoster, RosterPeriod


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


def _grid_site(request, default=None):
    site_id = request.GET.get("site")
    if site_id:
        return Site.objects.filter(pk=site_id).first()
    return default


def base_roster_detail(request, pk):
    roster = get_object_or_404(BaseRoster.objects.select_related("site"), pk=pk)
    site = _grid_site(request, roster.site)
    sessions = list(sessions_for_base_roster(base_roster=roster, site=site))
    weeks = build_week_grid(
        start_date=roster.start_date, num_days=roster.cycle_days, sessions=sessions
    )
    context = {
        "roster": roster,
        "weeks": weeks,
        "site": site,
        "sites": Site.objects.filter(active=True),
        "session_count": len(sessions),
        "can_add": request.user.has_perm("sessions_app.add_session"),
        "new_session_url": f"{reverse('sessions_app:create')}?base_roster={roster.pk}",
    }
    template = "rostering/_grid.html" if request.htmx else "rostering/base_roster_detail.html"
    return render(request, template, context)


def roster_period_list(request):
    flt = RosterPeriodFilter(request.GET, queryset=selectors.roster_period_list())
    page = Paginator(flt.qs, 25).get_page(request.GET.get("page"))
    return render(request, "rostering/roster_period_list.html", {"filter": flt, "page": page})


@permission_required("rostering.add_rosterperiod", raise_exception=True)
def roster_period_create(request):
    form = RosterPeriodForm(
        request.POST or None, initial={"base_roster": request.GET.get("base_roster")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            period = services.roster_period_create(**form.cleaned_data)
        except ValidationError as exc:
            _apply_service_errors(form, exc)
        else:
            messages.success(request, "Roster period created.")
            return redirect("rostering:roster_period_detail", pk=period.pk)
    return render(
        request, "rostering/roster_period_form.html", {"form": form},
        status=_form_error_status(form),
    )


def roster_period_detail(request, pk):
    period = get_object_or_404(RosterPeriod.objects.select_related("base_roster__site"), pk=pk)
    site = _grid_site(request, period.base_roster.site)
    sessions = list(sessions_for_roster_period(roster_period=period, site=site))
    weeks = build_week_grid(
        start_date=period.start_date,
        num_days=(period.end_date - period.start_date).days + 1,
        sessions=sessions,
    )
    context = {
        "period": period,
        "weeks": weeks,
        "site": site,
        "sites": Site.objects.filter(active=True),
        "session_count": len(sessions),
        "can_add": request.user.has_perm("sessions_app.add_session")
        and not period.is_published,
        "new_session_url": f"{reverse('sessions_app:create')}?roster_period={period.pk}",
    }
    template = "rostering/_grid.html" if request.htmx else "rostering/roster_period_detail.html"
    return render(request, template, context)
