"""The session form views: thin — the form decides 4xx, the service writes, the view renders."""

from __future__ import annotations

import datetime
import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from clients.models import Client, GroupTemplate, GroupTemplateItem
from clients.selectors import agreement_lines_active_on, clients_for_site, site_by_id
from workforce.selectors import assets_for_region, workers_active_on

from . import services
from .form_context import activity_initial, build_form_context, session_initial
from .forms import ActivityFormSet, SessionForm, make_site_aware, parse_quantity, subject_for
from .models import Session, SessionType
from .selectors import session_detail
from .services import ActivitySpec, ClientSpec, PlannedServiceSpec

ERROR_FIELDS_SHOWN_IN_SECTIONS = ("planned_services", "activities", "__all__")

# Changing one of these re-renders the form with fresh choices, keeping what was typed.
# Changing one of these re-renders only the parts of the form that depend on it, so
# nothing the scheduler types meanwhile elsewhere is overwritten.
REFRESH_ON_CHANGE = {
    "work_type": "#group-fields,#client-help",
    "session_type": "#field-subject,#worker-list",
    "start": "#worker-list,#planned-services,#conflicts-box",
    "end": "#worker-list,#planned-services,#conflicts-box",
    "site": "#field-subject,#field-region,#asset-choices,#client-list,#client-help,"
    "#group-fields,#conflicts-box",
    "region": "#field-region,#asset-choices",
}


# --- where a session lives -------------------------------------------------------------
# A new session's home comes from the page that opens the form: rostering's "Roster Session"
# views pass their base roster or roster period in (rostering builds on this app, not the
# other way round); an existing session knows its own.
def _home_url(base_roster, roster_period):
    home = base_roster or roster_period
    return home.get_absolute_url() if home else reverse("scheduling:live")


def _new_initial(request, base_roster, roster_period):
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = (base_roster.start_date if base_roster else None) or (
            roster_period.start_date if roster_period else timezone.localdate()
        )
    site = (base_roster and base_roster.site) or (roster_period and roster_period.base_roster.site)
    session_type = SessionType.objects.filter(active=True).first()
    return {
        "work_type": Session.WorkType.APPOINTMENT,
        "billable": "true",
        "session_type": session_type.pk if session_type else None,
        "start": datetime.datetime.combine(day, datetime.time(9, 0)),
        "end": datetime.datetime.combine(day, datetime.time(11, 0)),
        "site": site.pk if site else None,
    }


# --- applying the in-form actions (add/remove attendees, template, activity rows) --------
def _apply_action(data, action: str, trigger: str | None):
    """Change the posted state as the scheduler asked, without saving anything."""
    verb, _, arg = action.partition(":")
    if verb in ("add_client", "add_worker"):
        name = "clients" if verb == "add_client" else "workers"
        values = data.getlist(name)
        if arg and arg not in values:
            values.append(arg)
        data.setlist(name, values)
        data[f"{name[:-1]}_q"] = ""
        if verb == "add_client":
            _check_single_line(data, arg)
    elif verb in ("remove_client", "remove_worker"):
        name = "clients" if verb == "remove_client" else "workers"
        data.setlist(name, [v for v in data.getlist(name) if v != arg])
        if verb == "remove_client":
            data.setlist("ps", [v for v in data.getlist("ps") if not v.startswith(f"{arg}:")])
    elif verb == "apply_template":
        _apply_template(data)
    elif verb == "add_activity":
        total = int(data.get("act-TOTAL_FORMS") or 0)
        data["act-TOTAL_FORMS"] = str(total + 1)
        start, end = _parse_naive(data.get("start")), _parse_naive(data.get("end"))
        if start and end and end > start:
            # A 30-minute unpaid break in the middle of the session, to adjust.
            middle = start + (end - start) / 2
            middle -= datetime.timedelta(minutes=middle.minute % 15, seconds=middle.second)
            data[f"act-{total}-start"] = middle.strftime("%Y-%m-%dT%H:%M")
            data[f"act-{total}-end"] = min(middle + datetime.timedelta(minutes=30), end).strftime(
                "%Y-%m-%dT%H:%M"
            )
        data[f"act-{total}-paid"] = "false"
        data[f"act-{total}-kind"] = "break"
    elif verb == "remove_activity":
        data[f"act-{arg}-kind"] = ""
    if trigger == "site":
        # The region follows the site unless the scheduler picked one that still fits.
        site = site_by_id(data.get("site"))
        if site and data.get("region") and str(site.region_id) != data.get("region"):
            data["region"] = ""
        data["group_template"] = ""


def _parse_naive(value):
    try:
        return datetime.datetime.fromisoformat(value or "")
    except ValueError:
        return None


def _check_single_line(data, client_id):
    """A newly added client whose agreement has one active line gets it ticked."""

    try:
        day = datetime.datetime.fromisoformat(data.get("start", "")).date()
    except ValueError:
        return
    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        return
    lines = agreement_lines_active_on(clients=[client], day=day)
    if len(lines) == 1:
        data.setlist("ps", data.getlist("ps") + [f"{client_id}:{lines[0].pk}"])


def _apply_template(data):
    template = GroupTemplate.objects.filter(pk=data.get("group_template") or None).first()
    if template is None:
        return
    try:
        day = datetime.datetime.fromisoformat(data.get("start", "")).date()
    except ValueError:
        day = timezone.localdate()
    specs = services.group_template_clients(template, day=day)
    data["work_type"] = Session.WorkType.GROUP
    data["ratio"] = template.ratio
    data.setlist("clients", [str(s.client.pk) for s in specs])
    ps = []
    for spec in specs:
        for svc in spec.services:
            key = f"{spec.client.pk}:{svc.agreement_line.pk}"
            ps.append(key)
            data[f"ps_gti_{spec.client.pk}_{svc.agreement_line.pk}"] = str(
                svc.group_template_item.pk
            )
            if svc.group_template_item.quantity:
                data[f"ps_qty_{spec.client.pk}_{svc.agreement_line.pk}"] = str(svc.quantity)
    data.setlist("ps", ps)


# --- from a valid form to the service's arguments -----------------------------------------
def _planned_services(form, data, ctx, errors: list[str]):
    specs = []
    for cc in ctx.clients:
        services_for_client = []
        for choice in cc.lines:
            if not choice.checked:
                continue
            qty = parse_quantity(choice.quantity)
            if qty is None:
                errors.append(
                    f"{cc.client}: enter a quantity above zero for "
                    f"{choice.line.support_item.item_number}."
                )
                continue
            gti = None
            if choice.gti:

                gti = GroupTemplateItem.objects.filter(pk=choice.gti).first()
            services_for_client.append(PlannedServiceSpec(choice.line, qty, gti))
        specs.append(ClientSpec(cc.client, services_for_client))
    # Lines ticked in the post but not offered (another client's, or inactive) are refused.
    offered = {c.key for cc in ctx.clients for c in cc.lines}
    for key in data.getlist("ps"):
        if key not in offered:
            errors.append(
                "A planned service was not from that client's agreement active on the "
                "session date."
            )
            break
    return specs


def _activities(formset, tz, errors: list[str]):
    specs = []
    for f in formset.forms:
        cd = f.cleaned_data
        if not cd.get("kind"):
            continue
        try:
            specs.append(
                ActivitySpec(
                    cd["kind"], make_site_aware(cd["start"], tz), make_site_aware(cd["end"], tz),
                    cd["paid"],
                )
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
    return specs


def _render(request, form, formset, ctx, *, session, base_roster, roster_period, status=200,
            section_errors=None, show_errors=True):
    for name, sections in REFRESH_ON_CHANGE.items():
        form.fields[name].widget.attrs.update(
            {
                "hx-post": request.path,
                "hx-trigger": "change",
                "hx-vals": '{"_action": "refresh"}',
                "hx-swap": "none",
                "hx-select-oob": sections,
            }
        )
    context = {
        "show_errors": show_errors and form.is_bound,
        "hide_errors": not (show_errors and form.is_bound),
        "form": form,
        "formset": formset,
        "ctx": ctx,
        "session": session,
        "base_roster": base_roster,
        "roster_period": roster_period,
        "place": "base_roster" if base_roster else "roster_period" if roster_period else "live",
        "home_url": _home_url(base_roster, roster_period),
        "client_q": form.data.get("client_q", "") if form.is_bound else "",
        "worker_q": form.data.get("worker_q", "") if form.is_bound else "",
        "section_errors": section_errors or {},
        "action_url": request.path,
    }
    template = (
        "sessions_app/_session_form.html" if request.htmx else "sessions_app/session_form.html"
    )
    return render(request, template, context, status=status)


def session_form(request, *, session=None, base_roster=None, roster_period=None):
    """The one session form, for a new session in a home (a base roster, a roster period, or
    neither: the live schedule) or for an existing session. Views of the homes call this."""
    if session is not None:
        base_roster, roster_period = session.base_roster, session.roster_period
    if request.method == "GET":
        if session is not None:
            initial = session_initial(session)
            acts = activity_initial(session)
        else:
            initial = _new_initial(request, base_roster, roster_period)
            initial["form_token"] = uuid.uuid4()
            acts = []
        form = SessionForm(initial=initial)
        formset = ActivityFormSet(prefix="act", initial=acts)
        ctx = build_form_context(
            form, base_roster_id=getattr(base_roster, "pk", None),
            roster_period_id=getattr(roster_period, "pk", None),
            session_id=getattr(session, "pk", None),
        )
        if not form.initial.get("subject") and ctx.site:
            session_type = SessionType.objects.filter(pk=initial.get("session_type")).first()
            auto = subject_for(site=ctx.site, session_type=session_type, clients=[])
            form.initial["subject"] = form.initial["subject_auto"] = auto
        return _render(request, form, formset, ctx, session=session,
                       base_roster=base_roster, roster_period=roster_period)

    data = request.POST.copy()
    action = data.get("_action", "refresh")
    saving = action == "save"
    if not saving:
        _apply_action(data, action, request.headers.get("HX-Trigger-Name"))
    form = SessionForm(data)
    formset = ActivityFormSet(data, prefix="act")
    ids = dict(
        base_roster_id=getattr(base_roster, "pk", None),
        roster_period_id=getattr(roster_period, "pk", None),
        session_id=getattr(session, "pk", None),
    )
    ctx = build_form_context(
        form, client_q=data.get("client_q", "").strip(),
        worker_q=data.get("worker_q", "").strip(), **ids
    )
    # Keep the subject following the naming convention until the scheduler edits it.
    if ctx.site and data.get("subject", "") in ("", data.get("subject_auto", "")):
        session_type = SessionType.objects.filter(pk=data.get("session_type") or None).first()
        auto = subject_for(site=ctx.site, session_type=session_type,
                           clients=[cc.client for cc in ctx.clients])
        data["subject"] = data["subject_auto"] = auto
        form = SessionForm(data)
    if not saving:
        # Only the choices changed: show the state, not validation errors, yet.
        return _render(request, form, formset, ctx, session=session, base_roster=base_roster,
                       roster_period=roster_period, show_errors=False)
    return _save(request, form, formset, ctx, data, session=session,
                 base_roster=base_roster, roster_period=roster_period)


def _save(request, form, formset, ctx, data, *, session, base_roster, roster_period):
    section_errors = {"planned_services": [], "activities": [], "general": []}
    form_ok = form.is_valid()
    formset_ok = formset.is_valid()
    if form_ok and formset_ok:
        cd = form.cleaned_data
        clients = _planned_services(form, data, ctx, section_errors["planned_services"])
        activities = _activities(formset, cd["site"].tzinfo, section_errors["activities"])
        if ctx.overruns and not cd.get("accept_budget_overrun"):
            section_errors["planned_services"].extend(ctx.overruns)
            section_errors["planned_services"].append(
                "Tick “Save even though a planned service goes over its budget” to save anyway."
            )
        if not any(section_errors.values()):
            fields = dict(
                work_type=cd["work_type"], billable=cd["billable"],
                session_type=cd["session_type"], start=cd["start_aware"], end=cd["end_aware"],
                subject=cd["subject"], site=cd["site"], region=cd["region"],
                group_template=cd["group_template"], ratio=cd["ratio"],
                comments=cd["comments"], employee_message=cd["employee_message"],
            )
            attendees = dict(
                clients=clients, workers=list(cd["workers"]), assets=list(cd["assets"]),
                activities=activities, service_types=list(cd["service_types"]),
            )
            try:
                if session is None:
                    saved = services.session_create(
                        base_roster=base_roster, roster_period=roster_period,
                        form_token=cd.get("form_token"), **fields, **attendees,
                    )
                else:
                    saved = services.session_update(session=session, **fields, **attendees)
            except ValidationError as exc:
                for key, msgs in exc.message_dict.items():
                    if key in form.fields and key not in ERROR_FIELDS_SHOWN_IN_SECTIONS:
                        form.add_error(key, msgs)
                    else:
                        key = "general" if key == "__all__" else key
                        section_errors.setdefault(key, []).extend(msgs)
            else:
                return _saved(request, saved, base_roster, roster_period, created=session is None)
    return _render(request, form, formset, ctx, session=session, base_roster=base_roster,
                   roster_period=roster_period, status=422, section_errors=section_errors)


def _saved(request, session, base_roster, roster_period, *, created):
    text = f"Session “{session.subject}” {'saved' if created else 'updated'}."
    on_form_page = request.htmx and request.htmx.current_url_abs_path and (
        request.htmx.current_url_abs_path.split("?")[0] == request.path
    )
    if request.htmx and not on_form_page:
        response = HttpResponse(status=200)
        response["HX-Reswap"] = "none"
        response["HX-Trigger"] = json.dumps(
            {"sessionSaved": {"id": session.pk, "message": text}, "closeModal": True}
        )
        return response
    messages.success(request, text)
    if on_form_page:  # the form was open as a page of its own: go back to the grid
        return HttpResponseClientRedirect(_home_url(base_roster, roster_period))
    return redirect(_home_url(base_roster, roster_period))


# --- the views ------------------------------------------------------------------------------
@permission_required("sessions_app.add_session", raise_exception=True)
def session_create(request):
    return session_form(request)


@permission_required("sessions_app.change_session", raise_exception=True)
def session_edit(request, pk):
    session = get_object_or_404(Session, pk=pk)
    session = session_detail(pk=session.pk)
    return session_form(request, session=session)


def client_options(request):
    """Type-ahead: clients associated with the chosen site whose name matches."""
    site = site_by_id(request.GET.get("site"))
    q = request.GET.get("client_q", "").strip()
    chosen = [v for v in request.GET.getlist("clients") if v.isdigit()]
    results = []
    if site:
        qs = clients_for_site(site=site, search=q).exclude(pk__in=chosen)
        results = list(qs[:15])
    return render(request, "sessions_app/_client_results.html",
                  {"results": results, "site": site, "q": q})


def worker_options(request):
    """Type-ahead: workers active on the session date whose name matches."""
    try:
        day = datetime.datetime.fromisoformat(request.GET.get("start", "")).date()
    except ValueError:
        day = timezone.localdate()
    q = request.GET.get("worker_q", "").strip()
    chosen = [v for v in request.GET.getlist("workers") if v.isdigit()]
    results = []
    if q:
        results = list(workers_active_on(day=day, search=q).exclude(pk__in=chosen)[:15])
    return render(request, "sessions_app/_worker_results.html",
                  {"results": results, "q": q, "day": day})


def asset_options(request):
    """The assets of a region (or of the site's region when no region is chosen)."""
    region_id = request.GET.get("region")
    if not region_id:
        site = site_by_id(request.GET.get("site"))
        region_id = site.region_id if site else None
    assets = list(assets_for_region(region_id=region_id)) if region_id else []
    chosen = {int(v) for v in request.GET.getlist("assets") if v.isdigit()}
    return render(request, "sessions_app/_asset_choices.html",
                  {"assets": assets, "chosen": chosen, "ineligible": []})
