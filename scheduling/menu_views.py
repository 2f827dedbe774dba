"""The right-click session menu and its actions' modals: thin views. A form decides each 4xx,
a service (scheduling.modify) makes the change, the view renders. htmx gets partials (the
menu, a modal's form); without JavaScript each is a page of its own."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sessions_app.form_context import activity_initial
from sessions_app.forms import ActivityFormSet, parse_ids
from sessions_app.services import ActivitySpec
from sessions_app.versioning import STALE_STATUS, StaleEdit

from . import modify, selectors
from .changes import modify_refusal
from .menu import menu_items
from .menu_forms import ScopeForm, TimesForm, WorkersForm

HALF_HOUR = datetime.timedelta(minutes=30)


def _session_or_404(request, pk):
    return selectors.session_for_menu(pk=pk, user=request.user)


def _home_url(session) -> str:
    if session.base_roster_id:
        return session.base_roster.get_absolute_url() + f"?week={session.local_date:%Y-%m-%d}"
    if session.roster_period_id:
        return session.roster_period.get_absolute_url() + f"?week={session.local_date:%Y-%m-%d}"
    return reverse("scheduling:live") + f"?date={session.local_date:%Y-%m-%d}"


def _page(request, partial: str, context: dict, *, status=200):
    """The partial for htmx (into the modal or the menu), else the page holding it."""
    context.setdefault("partial", partial)
    template = partial if request.htmx else "scheduling/menu/page.html"
    return render(request, template, context, status=status)


@login_required
def session_menu(request, pk):
    """The menu's items for this session and user (the partial the menu script shows beside
    the pointer; a page of links without JavaScript)."""
    session = _session_or_404(request, pk)
    context = {"session": session, "items": menu_items(session=session, user=request.user),
               "home_url": _home_url(session), "title": "Session menu"}
    return _page(request, "scheduling/menu/_menu.html", context)


def modal_saved(session, text: str) -> HttpResponse:
    """The htmx answer to a menu action saved: nothing to swap; the modal closes and every
    board or grid reloads itself (the sessionSaved event), showing `text`."""
    response = HttpResponse(status=200)
    response["HX-Reswap"] = "none"
    response["HX-Trigger"] = json.dumps(
        {"sessionSaved": {"id": session.pk, "message": text}, "closeModal": True})
    return response


def _saved(request, session, text: str):
    """After a change: htmx closes the modal and every board or grid reloads (sessionSaved);
    without JavaScript, back to where the session is, with the message."""
    if request.htmx:
        return modal_saved(session, text)
    messages.success(request, text)
    return redirect(_home_url(session))


def _refused(request, session, reason):
    context = {"session": session, "reason": reason, "home_url": _home_url(session),
               "title": "Not possible"}
    return _page(request, "scheduling/menu/_refused.html", context, status=403)


def _add_errors(form, exc: ValidationError, *, fields=(), default="__all__"):
    for key, msgs in exc.message_dict.items():
        form.add_error(key if key in fields else None if default == "__all__" else default, msgs)


def _workers_now(session) -> str:
    names = [str(sw.worker) for sw in session.session_workers.select_related("worker")]
    return "Workers now: " + (", ".join(names) or "none") + "."


def _activities_now(session) -> str:
    tz = session.site.tzinfo
    rows = [f"{a.get_kind_display()} {a.start.astimezone(tz):%H:%M}–{a.end.astimezone(tz):%H:%M}"
            for a in session.activities.all()]
    return "Session activities now: " + (", ".join(rows) or "none") + "."


def _base_context(session, title, form):
    return {"session": session, "title": title, "form": form, "home_url": _home_url(session),
            "in_series": session.series_id is not None}


# --- Modify Workers ------------------------------------------------------------------------------
def _worker_context(request, session, form, *, search=""):
    chosen = set(form.cleaned_data.get("add") or []) if form.is_bound and hasattr(
        form, "cleaned_data") else set()
    candidates, total = selectors.worker_candidates(session=session, search=search,
                                                    chosen_ids=chosen)
    removing = set(form.cleaned_data.get("remove") or []) if form.is_bound and hasattr(
        form, "cleaned_data") else set()
    context = _base_context(session, "Modify Workers", form)
    context.update({
        "current": [sw.worker for sw in session.session_workers.all()],
        "candidates": candidates, "total": total, "q": search, "chosen": chosen,
        "removing": removing, "results_url": reverse("scheduling:modify_workers_options",
                                                     args=[session.pk]),
    })
    return context


@login_required
def modify_workers(request, pk):
    session = _session_or_404(request, pk)
    reason = modify_refusal(session=session, user=request.user)
    if reason:
        return _refused(request, session, reason)
    if request.method != "POST":
        form = WorkersForm(session=session)
        return _page(request, "scheduling/menu/_workers.html",
                     _worker_context(request, session, form))
    form = WorkersForm(request.POST, session=session)
    search = request.POST.get("q", "").strip()[:100]
    if request.POST.get("_action") == "search":  # the search without JavaScript
        form.is_valid()
        form.errors.clear()
        return _page(request, "scheduling/menu/_workers.html",
                     _worker_context(request, session, form, search=search))
    if form.is_valid():
        try:
            changed = modify.session_workers_modify(
                session=session, add_ids=form.cleaned_data["add"],
                remove_ids=form.cleaned_data["remove"], scope=form.chosen_scope(),
                user=request.user, expected_version=form.cleaned_data["version"])
        except StaleEdit as exc:
            form.refused(exc, current={}, note=_workers_now(exc.current))
            return _page(request, "scheduling/menu/_workers.html",
                         _worker_context(request, session, form, search=search),
                         status=STALE_STATUS)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc, fields=("add", "remove"))
        else:
            n = len(changed)
            return _saved(request, session, f"Workers of “{session.subject}” changed"
                          + (f" on {n} sessions." if n > 1 else "."))
    return _page(request, "scheduling/menu/_workers.html",
                 _worker_context(request, session, form, search=search), status=422)


@login_required
def modify_workers_options(request, pk):
    """Type-ahead of Modify Workers: the ranked workers matching the search."""
    session = _session_or_404(request, pk)
    search = request.GET.get("q", "").strip()[:100]
    chosen = set(parse_ids(request.GET.getlist("add")[:50]))
    candidates, total = selectors.worker_candidates(session=session, search=search,
                                                    chosen_ids=chosen)
    return render(request, "scheduling/menu/_worker_results.html",
                  {"candidates": candidates, "total": total, "q": search, "chosen": chosen})


# --- Modify Session Times ----------------------------------------------------------------------
@login_required
def modify_times(request, pk):
    session = _session_or_404(request, pk)
    reason = modify_refusal(session=session, user=request.user)
    if reason:
        return _refused(request, session, reason)
    if request.method != "POST":
        form = TimesForm(session=session, initial={
            "start": session.wall_start, "end": session.wall_end})
        return _page(request, "scheduling/menu/_times.html",
                     _base_context(session, "Modify Session Times", form))
    form = TimesForm(request.POST, session=session)
    if form.is_valid():
        try:
            changed = modify.session_times_modify(
                session=session, start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                scope=form.chosen_scope(), user=request.user,
                expected_version=form.cleaned_data["version"])
        except StaleEdit as exc:
            now = exc.current
            form.refused(exc, current={"start": now.wall_start, "end": now.wall_end})
            return _page(request, "scheduling/menu/_times.html",
                         _base_context(session, "Modify Session Times", form),
                         status=STALE_STATUS)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc, fields=("start", "end"))
        else:
            n = len(changed)
            return _saved(request, session, f"Times of “{session.subject}” changed"
                          + (f" on {n} sessions." if n > 1 else "."))
    return _page(request, "scheduling/menu/_times.html",
                 _base_context(session, "Modify Session Times", form), status=422)


# --- Modify Activities --------------------------------------------------------------------------
@login_required
def modify_activities(request, pk):
    session = _session_or_404(request, pk)
    reason = modify_refusal(session=session, user=request.user)
    if reason:
        return _refused(request, session, reason)
    tz = session.site.tzinfo
    if request.method != "POST":
        formset = ActivityFormSet(initial=activity_initial(session), prefix="act",
                                  form_kwargs={"tz": tz})
        form = ScopeForm(session=session)
        return _page(request, "scheduling/menu/_activities.html",
                     {**_base_context(session, "Modify Activities", form), "formset": formset})
    form = ScopeForm(request.POST, session=session)
    formset = ActivityFormSet(request.POST, prefix="act", form_kwargs={"tz": tz})
    if request.POST.get("_action") == "add_activity":
        rows = [] if not formset.is_valid() else [
            {k: f.cleaned_data.get(k) for k in ("kind", "start", "end")}
            | {"paid": "true" if f.cleaned_data.get("paid", True) else "false"}
            for f in formset.forms if f.cleaned_data.get("kind") and f not in formset.deleted_forms
        ]
        if len(rows) < ActivityFormSet.max_num:
            middle = session.wall_start + (session.wall_end - session.wall_start) / 2
            middle = middle.replace(minute=middle.minute - middle.minute % 15, second=0,
                                    microsecond=0)
            rows.append({"kind": "break", "start": middle, "paid": "false",
                         "end": min(middle + HALF_HOUR, session.wall_end)})
        formset = ActivityFormSet(initial=rows, prefix="act", form_kwargs={"tz": tz})
        return _page(request, "scheduling/menu/_activities.html",
                     {**_base_context(session, "Modify Activities", form), "formset": formset})
    form_ok, formset_ok = form.is_valid(), formset.is_valid()
    if form_ok and formset_ok:
        specs = [
            ActivitySpec(cd["kind"], cd["start_aware"], cd["end_aware"], cd["paid"])
            for cd in (f.cleaned_data for f in formset.forms if f not in formset.deleted_forms)
            if cd.get("kind")
        ]
        try:
            changed = modify.session_activities_modify(
                session=session, activities=specs, scope=form.chosen_scope(), user=request.user,
                expected_version=form.cleaned_data["version"])
        except StaleEdit as exc:
            form.refused(exc, current={}, note=_activities_now(exc.current))
            return _page(request, "scheduling/menu/_activities.html",
                         {**_base_context(session, "Modify Activities", form),
                          "formset": formset}, status=STALE_STATUS)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            n = len(changed)
            return _saved(request, session, f"Activities of “{session.subject}” changed"
                          + (f" on {n} sessions." if n > 1 else "."))
    return _page(request, "scheduling/menu/_activities.html",
                 {**_base_context(session, "Modify Activities", form), "formset": formset},
                 status=422)
