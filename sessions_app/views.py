"""The session form views: thin — the form decides 4xx, the service writes, the view renders."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from clients.formatting import nice_date
from clients.selectors import site_by_id
from workforce.selectors import assets_for_region

from . import recurrence, services
from .form_context import (
    ChosenWorker,
    activity_initial,
    build_form_context,
    chosen_clients,
    new_activity_row,
    posted_activity_rows,
    posted_planned_rows,
    session_initial,
    session_planned_rows,
    template_rows,
)
from .forms import (
    ActivityFormSet,
    RecurrenceForm,
    SessionForm,
    parse_id,
    parse_ids,
    sane_date_or_none,
    subject_for,
)
from .models import Session, SessionSeries, SessionType
from .selectors import (
    client_search,
    session_detail,
    session_type_with_requirements,
    worker_hints,
    worker_search,
)
from .services import ActivitySpec, ClientSpec, PlannedServiceSpec
from .versioning import STALE_STATUS, Change, StaleEdit, show, when

ERROR_FIELDS_SHOWN_IN_SECTIONS = ("planned_services", "activities", "__all__")

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
# An in-form action re-renders only the parts it changes (swapped out of band, by id), never
# the whole form: nothing the scheduler types meanwhile elsewhere (the search for the next
# worker, a comment) is replaced, and the type-ahead boxes are never replaced at all.
ACTION_SECTIONS = {
    "add_client": ("client-list", "client-results", "planned-services", "field-subject",
                   "conflicts-box"),
    "remove_client": ("client-list", "client-results", "planned-services", "field-subject",
                      "conflicts-box"),
    "add_worker": ("worker-list", "worker-results", "conflicts-box"),
    "remove_worker": ("worker-list", "worker-results", "conflicts-box"),
    "add_activity": ("activities",),
    "search": ("client-results", "worker-results"),
}


# --- after a save: the seam for "Save and Roster" -----------------------------------------------
@dataclass(frozen=True)
class Saved:
    """What one press of Save made: the sessions (the first, then each later occurrence in
    date order) and their series when the session recurs."""

    sessions: list[Session]
    series: SessionSeries | None = None

    @property
    def session_ids(self) -> list[int]:
        return [s.pk for s in self.sessions]

    @property
    def first(self) -> Session:
        return self.sessions[0]


# `session_form(request, after_save=...)`: called once the save has committed, only when the
# scheduler pressed "Save and Roster" (the form then shows that button beside "Save"). It
# returns the response to send, or None for the usual one (back to the schedule with a
# message). The live schedule passes its rostering in, so this app never imports scheduling.
AfterSave = Callable[[HttpRequest, Saved], HttpResponse | None]
SAVE_ACTIONS = ("save", "save_and_roster")

# The preview lists this many dates, then says how many more.
PREVIEW_DATES = 12


# --- where a session lives -------------------------------------------------------------
# A new session's home comes from the page that opens the form: rostering's "Roster Session"
# views pass their base roster or roster period in (rostering builds on this app, not the
# other way round); an existing session knows its own.
def _home_url(base_roster, roster_period):
    home = base_roster or roster_period
    return home.get_absolute_url() if home else reverse("scheduling:live")


def _new_initial(request, base_roster, roster_period):
    home = base_roster or roster_period
    home_start = home.start_date if home else None
    day = (
        sane_date_or_none(request.GET.get("date"))
        or sane_date_or_none(home_start and home_start.isoformat())
        or timezone.localdate()
    )
    site = (base_roster and base_roster.site) or (roster_period and roster_period.base_roster.site)
    session_type = SessionType.objects.filter(active=True).first()
    initial = {
        "work_type": Session.WorkType.APPOINTMENT,
        "billable": "true",
        "session_type": session_type.pk if session_type else None,
        "start": datetime.datetime.combine(day, datetime.time(9, 0)),
        "end": datetime.datetime.combine(day, datetime.time(11, 0)),
        "site": site.pk if site else None,
    }
    if site:
        initial["subject"] = initial["subject_auto"] = subject_for(
            site=site, session_type=session_type, clients=[]
        )
    return initial


def _parts(request, form, *, session, base_roster, roster_period, data=None, rows=None,
           activity_rows=(), added_client_id=None, list_clients=False):
    """The formsets and everything else the template shows, for a bound form (`data`, to
    save) or a form built from initial values (`rows`, `activity_rows`)."""
    clients, overruns = chosen_clients(
        form, data=data, rows=rows, added_client_id=added_client_id,
        session_id=getattr(session, "pk", None),
    )
    tz = form.site.tzinfo if form.site else None
    if data is not None:
        activities = ActivityFormSet(data, prefix="act", form_kwargs={"tz": tz})
    else:
        activities = ActivityFormSet(initial=list(activity_rows), prefix="act",
                                     form_kwargs={"tz": tz})
    source = data if data is not None else {}
    ctx = build_form_context(
        form, clients=clients, overruns=overruns,
        base_roster_id=getattr(base_roster, "pk", None),
        roster_period_id=getattr(roster_period, "pk", None),
        session_id=getattr(session, "pk", None),
        client_q=source.get("client_q", "").strip()[:100],
        worker_q=source.get("worker_q", "").strip()[:100],
        list_clients=list_clients,
    )
    return activities, ctx


def _render(request, form, formset, ctx, *, session, base_roster, roster_period, status=200,
            section_errors=None, show_errors=True, action_errors=None, oob=(), rec_form=None,
            can_roster=False):
    for name, sections in REFRESH_ON_CHANGE.items():
        if rec_form is not None and name in ("start", "end"):
            sections += ",#recurrence"
        form.fields[name].widget.attrs.update(_refresh_attrs(request, sections))
    for af in formset.forms:
        af.fields["DELETE"].widget.attrs.update(_refresh_attrs(request, "#activities"))
    for cc in ctx.clients:
        for pf in cc.formset.forms:
            for name in ("plan", "quantity"):
                pf.fields[name].widget.attrs.update(_refresh_attrs(request, "#planned-services"))
    bound = form.is_bound and show_errors
    rec = None
    if rec_form is not None:
        rec = _recurrence_context(request, rec_form, form, show_errors=bound,
                                  errors=(section_errors or {}).get("recurrence", []))
    context = {
        "show_errors": bound,
        "hide_errors": not bound,
        "form": form,
        "formset": formset,
        "ctx": ctx,
        "session": session,
        "base_roster": base_roster,
        "roster_period": roster_period,
        "place": "base_roster" if base_roster else "roster_period" if roster_period else "live",
        "home_url": _home_url(base_roster, roster_period),
        "client_q": request.POST.get("client_q", "")[:100],
        "worker_q": request.POST.get("worker_q", "")[:100],
        "section_errors": section_errors or {},
        "action_errors": action_errors or {},
        "action_url": request.path,
        "failed": status >= 400,
        "oob": oob,
        "rec": rec,
        "can_roster": can_roster,
        "title": "Edit session" if session else "Roster Session" if (
            base_roster or roster_period) else "New Session",
    }
    template = (
        "sessions_app/_session_form.html" if request.htmx else "sessions_app/session_form.html"
    )
    response = render(request, template, context, status=status)
    if oob:
        response["HX-Reswap"] = "none"  # only the sections marked hx-swap-oob are swapped
    return response


def _recurrence_context(request, rec_form, form, *, show_errors, errors) -> dict:
    """The `Recurrence` section: its form, the summary and the preview of the dates."""
    for name, field in rec_form.fields.items():
        target = "#recurrence" if name in ("repeat", "ends") else "#recurrence-preview"
        field.widget.attrs.update(_refresh_attrs(request, target))
    rec_form.is_valid()
    first_start, first_end = rec_form.first_start, form.aware("end")
    preview, summary = [], ""
    if rec_form.repeats and first_start is not None:
        summary = recurrence.summary(rec_form.rule, first_start)
        for start in rec_form.starts[:PREVIEW_DATES]:
            end = None
            if first_end is not None and first_end > first_start:
                _, end = recurrence.shift_span(
                    first_start, first_end, days=recurrence.days_between(first_start, start))
            preview.append({"start": start.replace(tzinfo=None),
                            "end": end.replace(tzinfo=None) if end else None,
                            "shifted": start.time() != first_start.time()})
    problems = []
    if rec_form.is_bound and not show_errors:
        problems = [e for errs in rec_form.errors.values() for e in errs]
    starts = rec_form.starts
    repeat = rec_form.current_repeat()
    return {
        "form": rec_form,
        "repeat": repeat,
        "ends": str(rec_form["ends"].value() or recurrence.ENDS_COUNT),
        "unit": {"daily": "day", "weekly": "week"}.get(repeat, "month")
        + ("" if str(rec_form["interval"].value() or "1").strip() == "1" else "s"),
        "summary": summary,
        "preview": preview,
        "total": len(starts),
        "more": max(len(starts) - PREVIEW_DATES, 0),
        "last": starts[-1].replace(tzinfo=None) if starts else None,
        "needs_start": bool(repeat) and first_start is None,
        "problems": problems,
        "errors": errors,
        "show_errors": show_errors,
        "hide_errors": not show_errors,
    }


def _recurrence_form(request, form, *, data=None, trigger=None):
    """The Recurrence form of a new session on the live schedule: from the post (`data`) or,
    on a GET or when the start changes while it does not repeat, the start's defaults."""
    if data is not None and not (trigger == "start" and not data.get("rec-repeat")):
        return RecurrenceForm(data, first_start=form.aware("start"))
    return RecurrenceForm(initial=RecurrenceForm.defaults(form.naive("start")),
                          first_start=form.aware("start"))


def _action_sections(request, action: str) -> tuple[str, ...]:
    """The sections an in-form action changes (ACTION_SECTIONS); () for the whole form."""
    if not request.htmx:
        return ()
    for name in ("add_client", "remove_client", "add_worker", "remove_worker"):
        if request.POST.get(name):
            return ACTION_SECTIONS[name]
    return ACTION_SECTIONS.get(action, ())


def _refresh_attrs(request, sections):
    return {
        "hx-post": request.path,
        "hx-trigger": "change",
        "hx-vals": '{"_action": "refresh"}',
        "hx-swap": "none",
        "hx-select-oob": sections,
    }


def session_form(request, *, session=None, base_roster=None, roster_period=None,
                 after_save: AfterSave | None = None):
    """The one session form, for a new session in a home (a base roster, a roster period, or
    neither: the live schedule) or for an existing session. Views of the homes call this.

    A new session on the live schedule also has `Recurrence`. With `after_save` the form
    offers "Save and Roster" beside "Save"; see `AfterSave`."""
    if session is not None:
        base_roster, roster_period = session.base_roster, session.roster_period
    home = dict(session=session, base_roster=base_roster, roster_period=roster_period)
    live_new = session is None and base_roster is None and roster_period is None
    extra = dict(can_roster=after_save is not None)
    if request.method == "GET":
        if session is not None:
            form = SessionForm(initial=session_initial(session), editing=True)
            rows, acts = session_planned_rows(session), activity_initial(session)
        else:
            initial = _new_initial(request, base_roster, roster_period)
            initial["form_token"] = uuid.uuid4()
            form = SessionForm(initial=initial)
            rows, acts = {}, []
        formset, ctx = _parts(request, form, rows=rows, activity_rows=acts, **home)
        rec_form = _recurrence_form(request, form) if live_new else None
        return _render(request, form, formset, ctx, **home, **extra, rec_form=rec_form)

    posted = SessionForm(request.POST, editing=session is not None)
    action = request.POST.get("_action", "refresh")
    if action in SAVE_ACTIONS:
        formset, ctx = _parts(request, posted, data=request.POST, **home)
        rec_form = _recurrence_form(request, posted, data=request.POST) if live_new else None
        return _save(request, posted, formset, ctx, **home, **extra, rec_form=rec_form,
                     after_save=after_save if action == "save_and_roster" else None)

    # An in-form action: show the next state, built from what was posted (never edited).
    initial = posted.next_initial(action=action, trigger=request.headers.get("HX-Trigger-Name"))
    rows, row_errors = posted_planned_rows(request.POST, posted.raw_ids("clients"))
    if posted.template_specs is not None:
        rows = template_rows(posted.template_specs)
    acts, act_errors = posted_activity_rows(request.POST)
    form = SessionForm(initial=initial)
    if action == "add_activity" and len(acts) < ActivityFormSet.max_num:
        acts.append(new_activity_row(form))
    formset, ctx = _parts(
        request, form, rows=rows, activity_rows=acts, added_client_id=posted.added_client_id,
        list_clients=action == "search", **home,
    )
    action_errors = posted.action_errors()
    section_errors = {"planned_services": row_errors, "activities": act_errors}
    unreadable = bool(action_errors or row_errors or act_errors)
    rec_form = _recurrence_form(
        request, posted, data=request.POST, trigger=request.headers.get("HX-Trigger-Name")
    ) if live_new else None
    return _render(request, form, formset, ctx, **home, **extra, rec_form=rec_form,
                   show_errors=False,
                   status=422 if unreadable else 200, section_errors=section_errors,
                   action_errors=action_errors,
                   oob=() if unreadable else _action_sections(request, action))


def _save(request, form, formset, ctx, *, session, base_roster, roster_period, rec_form=None,
          can_roster=False, after_save=None):
    section_errors = {"planned_services": [], "activities": [], "general": [], "recurrence": []}
    form_ok = form.is_valid()
    if rec_form is not None and not rec_form.is_valid():
        form_ok = False
    activities_ok = formset.is_valid()
    planned_ok = all(cc.formset.is_valid() for cc in ctx.clients)
    for cc in ctx.clients:
        section_errors["planned_services"].extend(
            f"{cc.client}: {e}" for e in cc.formset.non_form_errors()
        )
    section_errors["activities"].extend(formset.non_form_errors())
    if form_ok and activities_ok and planned_ok:
        cd = form.cleaned_data
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
                clients=_client_specs(cd["clients"], ctx), workers=list(cd["workers"]),
                assets=list(cd["assets"]), activities=_activity_specs(formset),
                service_types=list(cd["service_types"]),
            )
            try:
                if rec_form is not None and rec_form.repeats:
                    series = services.session_series_create(
                        rule=str(rec_form.rule), first_start=fields.pop("start"),
                        created_by=request.user if request.user.is_authenticated else None,
                        form_token=cd.get("form_token"), **fields, **attendees,
                    )
                    saved = Saved(list(series.sessions.select_related("site")), series)
                elif session is None:
                    saved = Saved([services.session_create(
                        base_roster=base_roster, roster_period=roster_period,
                        form_token=cd.get("form_token"), user=request.user,
                        **fields, **attendees,
                    )])
                else:
                    saved = Saved([services.session_update(
                        session=session, expected_version=cd["version"], user=request.user,
                        **fields, **attendees,
                    )])
            except StaleEdit as exc:
                # Someone saved the session since this form was opened: nothing was written;
                # the scheduler's own input stays in the form, at the current version.
                _refused(form, formset, ctx, exc)
                return _render(request, form, formset, ctx, session=session,
                               base_roster=base_roster, roster_period=roster_period,
                               status=STALE_STATUS, rec_form=rec_form, can_roster=can_roster)
            except ValidationError as exc:
                for key, msgs in exc.message_dict.items():
                    if key in form.fields and key not in ERROR_FIELDS_SHOWN_IN_SECTIONS:
                        form.add_error(key, msgs)
                    else:
                        key = "general" if key == "__all__" else key
                        section_errors.setdefault(key, []).extend(msgs)
            else:
                response = after_save(request, saved) if after_save is not None else None
                return response or _saved(request, saved, base_roster, roster_period,
                                          created=session is None)
    return _render(request, form, formset, ctx, session=session, base_roster=base_roster,
                   roster_period=roster_period, status=422, section_errors=section_errors,
                   rec_form=rec_form, can_roster=can_roster)


def _refused(form, formset, ctx, exc: StaleEdit):
    """Describe, field by field, where the refused post differs from the session as saved
    now (its own values against the current ones: what the other person changed, and what
    this one is about to change)."""
    now = session_detail(pk=exc.current.pk)
    cd = form.cleaned_data
    if cd.get("region") is None and cd.get("site") is not None:
        cd["region"] = cd["site"].region  # "The site's region" is what the service saves
    current = {k: v for k, v in session_initial(now).items() if k != "version"}
    tz = now.site.tzinfo

    def span(a, b):
        return f"{when(a)}–{b:%H:%M}"

    kinds = dict(now.activities.model.Kind.choices)
    mine_acts = sorted(
        f"{kinds.get(a.kind, a.kind)} {span(a.start.astimezone(tz), a.end.astimezone(tz))}"
        f"{'' if a.paid else ' (unpaid)'}"
        for a in _activity_specs(formset)
    )
    now_acts = sorted(
        f"{kinds.get(a.kind, a.kind)} {span(a.start.astimezone(tz), a.end.astimezone(tz))}"
        f"{'' if a.paid else ' (unpaid)'}"
        for a in now.activities.all()
    )
    mine_ps = sorted(
        f"{spec.client}: {svc.agreement_line.support_item.item_number} × {show(None, svc.quantity)}"
        for spec in _client_specs(cd["clients"], ctx) for svc in spec.services
    )
    now_ps = sorted(
        f"{sc.client}: {ps.agreement_line.support_item.item_number} × {show(None, ps.quantity)}"
        for sc in now.session_clients.all() for ps in sc.planned_services.all()
    )
    extra = [
        Change(label, "; ".join(mine) or "(none)", "; ".join(theirs) or "(none)")
        for label, mine, theirs in (("Planned services", mine_ps, now_ps),
                                    ("Session activities", mine_acts, now_acts))
        if mine != theirs
    ]
    note = ""
    if now.status != Session.Status.DRAFT:
        note = f"It is {now.get_status_display()} now."
    form.refused(exc, current=current, extra=extra, note=note)


def _client_specs(clients, ctx) -> list[ClientSpec]:
    formsets = {cc.client.pk: cc.formset for cc in ctx.clients}
    specs = []
    for client in clients:
        planned = [
            PlannedServiceSpec(f.cleaned_data["line"], f.cleaned_data["quantity"],
                               f.cleaned_data.get("group_template_item"))
            for f in formsets[client.pk].forms
            if f.cleaned_data.get("plan")
        ]
        specs.append(ClientSpec(client, planned))
    return specs


def _activity_specs(formset) -> list[ActivitySpec]:
    return [
        ActivitySpec(cd["kind"], cd["start_aware"], cd["end_aware"], cd["paid"])
        for cd in (f.cleaned_data for f in formset.forms if f not in formset.deleted_forms)
        if cd.get("kind")
    ]


def _saved(request, saved: Saved, base_roster, roster_period, *, created):
    session = saved.first
    text = f"Session “{session.subject}” {'saved' if created else 'updated'}."
    if saved.series is not None:
        text = (
            f"Series “{session.subject}” saved: {len(saved.sessions)} sessions "
            f"({recurrence.summary(saved.series.rule, session.local_start)}), "
            f"{nice_date(session.local_start)} to {nice_date(saved.sessions[-1].local_start)}."
        )
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
    home = _home_url(base_roster, roster_period)
    if session.home == "live":  # the live schedule opens on the week of the (first) session
        home = f"{home}?week={session.local_date.isoformat()}"
    if on_form_page:  # the form was open as a page of its own: go back to the grid
        return HttpResponseClientRedirect(home)
    return redirect(home)


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
    """Type-ahead: the site's clients whose name matches (the first ones before anything
    is typed)."""
    site = site_by_id(request.GET.get("site"))
    q = request.GET.get("client_q", "").strip()[:100]
    results = client_search(site=site, search=q, exclude_ids=parse_ids(
        request.GET.getlist("clients")))
    return render(request, "sessions_app/_client_results.html",
                  {"results": results, "site": site, "q": q, "listed": True})


def worker_options(request):
    """Type-ahead: workers active on the session date whose name matches, each with its
    leave and qualification hints for this session."""
    form = SessionForm(request.GET)
    day = form.day or timezone.localdate()
    q = request.GET.get("worker_q", "").strip()[:100]
    results = worker_search(day=day, search=q, exclude_ids=parse_ids(
        request.GET.getlist("workers")))
    hints = worker_hints(
        workers=results, day=day, start=form.aware("start"), end=form.aware("end"),
        session_type=session_type_with_requirements(pk=parse_id(form.raw("session_type"))),
        region_id=form.region_id,
    )
    results = [ChosenWorker(w, hints[w.pk].hints, hints[w.pk].problems) for w in results]
    return render(request, "sessions_app/_worker_results.html",
                  {"results": results, "q": q, "day": day})


def asset_options(request):
    """The assets of a region (or of the site's region when no region is chosen)."""
    form = SessionForm(request.GET)
    assets = list(assets_for_region(region_id=form.region_id)) if form.region_id else []
    return render(request, "sessions_app/_asset_choices.html",
                  {"assets": assets, "chosen": set(parse_ids(request.GET.getlist("assets"))),
                   "ineligible": []})
