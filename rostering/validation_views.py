"""Validating and publishing a roster period, from the panel on the period page.

Thin views: the service decides, the panel partial is rendered (htmx) or the period page is
shown again (no JavaScript). The panel is on the page through `{% period_validation_panel %}`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.formatting import nice_date

from . import publishing as services
from . import selectors
from .checks import RULES
from .forms import PublishForm
from .models import RosterPeriod

PANEL = "rostering/_validation_panel.html"
PERMISSION = "rostering.change_rosterperiod"


def validation_panel_context(
    request, period: RosterPeriod, *, notice: str = "", generating=None, state=None
) -> dict:
    """Everything the panel shows, in a fixed number of queries (fewer when the caller knows
    already whether the period's sessions are being generated, or their `state`)."""
    # One query for a period never validated, none for a published one.
    validation = None if period.is_published else selectors.latest_validation(period=period)
    readiness = selectors.publish_readiness(
        period=period, validation=validation, fetch=False, generating=generating, state=state
    )
    rule = request.GET.get("rule") if request.GET.get("rule") in RULES else None
    checked = selectors.validation_outcome(validation)
    report = None
    if checked is not None:
        report = selectors.validation_report(
            validation=checked, rule=rule, page=request.GET.get("page")
        )
    allowed = request.user.has_perm(PERMISSION) and not period.is_published
    return {
        "request": request,
        "period": period,
        "validation": validation,  # the latest validation job
        "checked": checked,  # what it found, once done
        "readiness": readiness,
        "report": report,
        "rule": rule if report and report.rule else None,
        "polling": validation is not None and validation.busy,
        "can_validate": allowed,
        "can_publish": allowed,
        "notice": notice,
        "panel_url": reverse("rostering:period_validation", args=[period.pk]),
        "period_url": reverse("rostering:roster_period_detail", args=[period.pk]),
    }


def _period(pk) -> RosterPeriod:
    return get_object_or_404(RosterPeriod.objects.select_related("base_roster__site"), pk=pk)


def _panel(request, period, *, status=200, notice=""):
    context = validation_panel_context(request, period, notice=notice)
    return render(request, PANEL, context, status=status)


@require_GET
def validation_panel(request, pk):
    """The panel alone: polled while a validation runs; pages and rules of the report."""
    period = _period(pk)
    if not request.htmx:
        url = reverse("rostering:roster_period_detail", args=[pk])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    return _panel(request, period)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def validate(request, pk):
    period = _period(pk)
    try:
        services.period_validation_request(period=period, user=request.user)
    except ValidationError as exc:
        notice = " ".join(exc.messages)
        if request.htmx:
            return _panel(request, period, status=422, notice=notice)
        messages.error(request, notice)
    if request.htmx:
        return _panel(request, period)
    return redirect("rostering:roster_period_detail", pk=pk)


CONFIRM = "rostering/_publish_confirm.html"
CONFIRM_PAGE = "rostering/roster_period_publish.html"


def _confirm(request, period, *, form=None, status=200):
    """The publish confirmation: what publishing does, with the real Publish button.

    A partial in the modal for htmx, a page of its own without JavaScript.
    """
    readiness = selectors.publish_readiness(period=period)
    context = {
        "period": period,
        "readiness": readiness,
        "preview": selectors.publish_preview(period=period) if readiness.can_publish else None,
        "form": form or PublishForm(),
        "period_url": reverse("rostering:roster_period_detail", args=[period.pk]),
    }
    template = CONFIRM if request.htmx else CONFIRM_PAGE
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(PERMISSION, raise_exception=True)
def publish(request, pk):
    """GET: the confirmation. POST (its Publish button): publish and go back to the period."""
    period = _period(pk)
    if request.method == "GET":
        if period.is_published:
            return redirect("rostering:roster_period_detail", pk=pk)
        return _confirm(request, period)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            result = services.roster_period_publish(
                period=period, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if result.published:
                messages.success(
                    request,
                    f"Published: {result.sessions_rostered} session"
                    f"{'s' if result.sessions_rostered != 1 else ''} Rostered and on the live "
                    f"schedule; {result.workers_notified} worker"
                    f"{'s' if result.workers_notified != 1 else ''} notified.",
                )
            else:
                when = result.period.published_at_wall
                at = f" at {when:%H:%M}, {nice_date(when)}" if when else ""
                messages.info(
                    request, f"This roster period was already published{at}; nothing changed."
                )
            url = reverse("rostering:roster_period_detail", args=[pk])
            if request.htmx:
                response = HttpResponse()
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    return _confirm(request, period, form=form, status=422)
