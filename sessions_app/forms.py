"""The one session form, used on a base roster, a roster period and the live schedule.

Start and End are wall-clock times at the chosen site; the form turns them into aware
datetimes in the site's time zone and refuses times that do not exist (DST gaps).
Choices are narrowed in `__init__` to what fits the posted site, region and date, so a
value that does not fit is a field error (422), never a 500.
Every rule is re-checked by `sessions_app.services` on save.

Planned services are one formset per chosen client (prefix ``ps-<client id>``), one row
per agreement line active on the session date; activities are one formset (prefix
``act``) with `can_delete`. In-form actions (add or remove a client or worker, apply a
group template, add an activity) are fields and buttons the form reads: the view renders
the next state from them with `SessionForm.next_initial`, never by editing the post.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from clients import wallclock
from clients.formatting import nice_date
from clients.models import (
    Client,
    GroupTemplate,
    GroupTemplateItem,
    Region,
    ServiceAgreementLine,
    Site,
)
from clients.selectors import clients_for_site, group_templates_for_site
from workforce.models import Asset, Worker
from workforce.selectors import assets_for_region, workers_active_on

from . import recurrence
from .models import ServiceType, Session, SessionActivity, SessionType
from .services import group_template_clients
from .versioning import VersionedFormMixin

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]

# Dates people may type anywhere in the app: outside this range a date is a typo (or an
# attack), and date arithmetic near year 1 or 9999 overflows.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_ID = 2**63 - 1


def validate_sane_date(value: datetime.date) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.", code="out_of_range"
        )


def sane_date_or_none(value) -> datetime.date | None:
    """A date from a query string (YYYY-MM-DD), or None when malformed or out of range."""
    try:
        day = datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def parse_id(value) -> int | None:
    if isinstance(value, models.Model):
        return value.pk
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


def parse_ids(values) -> list[int]:
    return list(dict.fromkeys(pk for pk in map(parse_id, values) if pk is not None))


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LocalDateTimeField(forms.Field):
    """A naive wall-clock date and time; the site decides its time zone later."""

    widget = LocalDateTimeInput
    default_error_messages = {"invalid": "Enter a date and time."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            parsed = value.replace(tzinfo=None)
        else:
            parsed = None
            for fmt in DATETIME_FORMATS:
                try:
                    parsed = datetime.datetime.strptime(str(value).strip(), fmt)
                    break
                except ValueError:
                    continue
            if parsed is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        validate_sane_date(parsed.date())
        return parsed


def make_site_aware(naive: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The instant of a wall-clock time a person typed, at the site (`clients.wallclock`).

    A time skipped by a DST change is refused with a message, not moved; an ambiguous time is
    its first occurrence.
    """
    skipped = wallclock.gap(naive, tz)
    if skipped is not None:
        place = tz.key.rsplit("/", 1)[-1].replace("_", " ")
        raise ValidationError(
            f"{naive:%H:%M} does not exist in {place} on {nice_date(naive)}: "
            f"clocks go forward from {skipped.start:%H:%M} to {skipped.end:%H:%M}.",
            code="nonexistent_time",
        )
    return wallclock.aware(naive, tz)


def subject_for(*, site, session_type, clients) -> str:
    names = [str(c) for c in clients]
    if len(names) > 3:
        names = names[:3] + [f"+{len(clients) - 3} more"]
    text = settings.SESSION_SUBJECT_PATTERN.format(
        site=site or "", session_type=session_type or "", clients=", ".join(names)
    )
    return text.strip(" ·")


class FormTokenField(forms.UUIDField):
    """The one-time token of a new-session form (see `session_create`); a missing or garbled
    token only means the form is not guarded against a double submit."""

    widget = forms.HiddenInput

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            return None


class NarrowedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Choices narrowed by the form; a chosen item that exists but does not fit is named.

    `misfit` is set by the form: a function of the item returning the message.
    """

    widget = forms.MultipleHiddenInput
    misfit = None

    def _check_values(self, value):
        for pk in value:
            # An id no table can hold is simply not a choice (SQLite cannot even compare it).
            if parse_id(pk) is None and str(pk).strip().lstrip("-").isdigit():
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice",
                    params={"value": pk},
                )
        try:
            return super()._check_values(value)
        except ValidationError as exc:
            if exc.code != "invalid_choice" or self.misfit is None:
                raise
            pk = parse_id(exc.params.get("value"))
            item = self.queryset.model._default_manager.filter(pk=pk).first() if pk else None
            if item is None:
                raise
            raise ValidationError(self.misfit(item), code="invalid_choice") from None


class SessionForm(VersionedFormMixin, forms.Form):
    """The session form. `version` (sessions_app.versioning) is the version of the session the
    form was opened on; required when editing one (`editing=True`), unused for a new one."""

    work_type = forms.ChoiceField(
        label="Work type", choices=Session.WorkType.choices, widget=forms.RadioSelect
    )
    billable = forms.TypedChoiceField(
        label="Billable",
        choices=[("true", "Billable"), ("false", "Non-billable")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    session_type = forms.ModelChoiceField(
        label="Session type", queryset=SessionType.objects.filter(active=True)
    )
    start = LocalDateTimeField(label="Start")
    end = LocalDateTimeField(label="End", help_text="May be on the next day (overnight).")
    subject = forms.CharField(label="Subject", max_length=255, required=False)
    subject_auto = forms.CharField(required=False, widget=forms.HiddenInput)
    form_token = FormTokenField(required=False)
    site = forms.ModelChoiceField(label="Site", queryset=Site.objects.filter(active=True))
    region = forms.ModelChoiceField(
        label="Region", queryset=Region.objects.all(), required=False,
        empty_label="The site's region",
    )
    group_template = forms.ModelChoiceField(
        label="Group template", queryset=GroupTemplate.objects.none(),
        required=False, empty_label="None",
        error_messages={"invalid_choice": "Choose a group template of the session's site."},
    )
    ratio = forms.RegexField(
        label="Worker:client ratio", regex=r"^\d{1,2}:\d{1,2}$", required=False,
        error_messages={"invalid": "Enter a ratio such as 1:3."},
    )
    assets = NarrowedMultipleChoiceField(
        label="Assets", queryset=Asset.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    clients = NarrowedMultipleChoiceField(
        label="Clients", queryset=Client.objects.none(), required=False
    )
    workers = NarrowedMultipleChoiceField(
        label="Workers", queryset=Worker.objects.none(), required=False
    )
    service_types = NarrowedMultipleChoiceField(
        label="Service types", queryset=ServiceType.objects.filter(active=True),
        required=False, widget=forms.CheckboxSelectMultiple,
    )
    comments = forms.CharField(label="Comments", required=False, widget=forms.Textarea(
        attrs={"rows": 2}))
    employee_message = forms.CharField(
        label="Employee message", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Sent to the session's workers.",
    )
    accept_budget_overrun = forms.BooleanField(
        label="Save even though a planned service goes over its budget", required=False
    )
    # In-form actions: the type-ahead's result buttons and the Remove buttons post these.
    add_client = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That client is not one of the site's clients."},
    )
    remove_client = forms.CharField(required=False, widget=forms.HiddenInput)
    add_worker = forms.ModelChoiceField(
        queryset=Worker.objects.none(), required=False, widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "That worker is not active on the session date."
        },
    )
    remove_worker = forms.CharField(required=False, widget=forms.HiddenInput)

    ACTION_FIELDS = {"add_client": "clients", "remove_client": "clients",
                     "add_worker": "workers", "remove_worker": "workers"}
    SCALARS = ("work_type", "billable", "session_type", "start", "end", "subject",
               "subject_auto", "site", "region", "group_template", "ratio", "comments",
               "employee_message", "accept_budget_overrun", "version")

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = editing
        # What the choices depend on, read from the post (or the initial values) before
        # cleaning: a malformed or unknown value simply narrows to nothing.
        self.site = self._pick("site", Site.objects.select_related("region").filter(active=True))
        region = self._pick("region", Region.objects.all())
        self.region_id = region.pk if region else (self.site.region_id if self.site else None)
        self.day = self.naive("start").date() if self.naive("start") else None
        f = self.fields
        site, day = self.site, self.day
        site_clients = clients_for_site(site=site) if site else Client.objects.none()
        f["clients"].queryset = f["add_client"].queryset = site_clients
        f["clients"].misfit = lambda c: f"{c} is not associated with {site or 'the chosen site'}."
        f["assets"].queryset = (
            assets_for_region(region_id=self.region_id) if self.region_id
            else Asset.objects.none()
        )
        f["assets"].misfit = lambda a: f"{a} is not in the session's region."
        active = workers_active_on(day=day) if day else Worker.objects.none()
        f["workers"].queryset = f["add_worker"].queryset = active
        f["workers"].misfit = lambda w: (
            f"{w} is not active on {nice_date(day)}." if day else f"{w}: choose the start first."
        )
        f["group_template"].queryset = (
            group_templates_for_site(site=site) if site else GroupTemplate.objects.none()
        )

    # --- the state before cleaning ---------------------------------------------------
    def raw(self, name, default=""):
        if self.is_bound:
            return self.data.get(self.add_prefix(name), default)
        value = self.initial.get(name, default)
        return default if value is None else value

    def raw_list(self, name) -> list:
        if self.is_bound:
            return [v for v in self.data.getlist(self.add_prefix(name)) if v]
        return list(self.initial.get(name) or [])

    def raw_ids(self, name) -> list[int]:
        return parse_ids(self.raw_list(name))

    def _pick(self, name, queryset):
        value = self.raw(name)
        if isinstance(value, models.Model):
            return value
        pk = parse_id(value)
        return queryset.filter(pk=pk).first() if pk else None

    def naive(self, name) -> datetime.datetime | None:
        try:
            return self.fields[name].to_python(self.raw(name))
        except ValidationError:
            return None

    def aware(self, name) -> datetime.datetime | None:
        naive = self.naive(name)
        if naive is None or self.site is None:
            return None
        try:
            return make_site_aware(naive, self.site.tzinfo)
        except ValidationError:  # a DST gap: reported on save, no hints meanwhile
            return None

    def chosen_session_type(self):
        return self._pick("session_type", self.fields["session_type"].queryset)

    # --- cleaning ------------------------------------------------------------------------
    def clean_clients(self):
        """The chosen clients in the order they were chosen (the subject lists them so)."""
        order = {pk: i for i, pk in enumerate(self.raw_ids("clients"))}
        return sorted(self.cleaned_data["clients"], key=lambda c: order.get(c.pk, len(order)))

    def clean(self):
        data = super().clean()
        site = data.get("site")
        if site is None:
            return data
        tz = site.tzinfo
        for name in ("start", "end"):
            if data.get(name):
                try:
                    data[f"{name}_aware"] = make_site_aware(data[name], tz)
                except ValidationError as exc:
                    self.add_error(name, exc)
        start, end = data.get("start_aware"), data.get("end_aware")
        if start and end and end <= start:
            self.add_error("end", "End must be after start.")
        region = data.get("region")
        if region and region.pk != site.region_id:
            self.add_error("region", f"{site} is not in the {region} region.")
        # The subject follows the naming convention until the scheduler edits it.
        if data.get("subject", "") in ("", data.get("subject_auto", "")):
            data["subject"] = subject_for(
                site=site, session_type=data.get("session_type"), clients=data.get("clients", [])
            )
        work_type = data.get("work_type")
        clients = data.get("clients") or []
        if "clients" not in self.errors:
            if work_type == Session.WorkType.APPOINTMENT and len(clients) != 1:
                self.add_error("clients", "An Appointment has exactly one client.")
            if work_type == Session.WorkType.GROUP and not clients:
                self.add_error("clients", "A Group session needs at least one client.")
        return data

    def action_errors(self) -> dict[str, list[str]]:
        """Errors of the in-form action fields, by the field they are shown beside."""
        out: dict[str, list[str]] = {}
        for name, shown_at in self.ACTION_FIELDS.items():
            out.setdefault(shown_at, []).extend(self.errors.get(name, []))
        return {k: v for k, v in out.items() if v}

    # --- the next state after an in-form action ---------------------------------------
    def next_initial(self, *, action: str, trigger: str | None = None) -> dict:
        """The initial values of the form to show next: what was posted, changed as the
        scheduler asked (an attendee added or removed, a group template applied …).

        The post itself is never changed. Sets `added_client_id` (its single agreement
        line gets ticked) and `template_specs` (the planned services a template fills).
        """
        self.is_valid()  # clean what can be cleaned; errors are shown on save only
        cd = self.cleaned_data
        initial = {name: self.raw(name) for name in self.SCALARS}
        initial["assets"] = self.raw_list("assets")
        initial["service_types"] = self.raw_list("service_types")
        clients, workers = self.raw_ids("clients"), self.raw_ids("workers")
        self.added_client_id = None
        self.template_specs = None
        if cd.get("add_client") and cd["add_client"].pk not in clients:
            clients.append(cd["add_client"].pk)
            self.added_client_id = cd["add_client"].pk
        if cd.get("add_worker") and cd["add_worker"].pk not in workers:
            workers.append(cd["add_worker"].pk)
        clients = [c for c in clients if c != parse_id(cd.get("remove_client"))]
        workers = [w for w in workers if w != parse_id(cd.get("remove_worker"))]
        if trigger == "site":
            # The region follows the site unless the scheduler picked one that still fits.
            if self.site and initial["region"] and str(self.site.region_id) != str(
                initial["region"]
            ):
                initial["region"] = ""
            initial["group_template"] = ""
        if action == "apply_template" and cd.get("group_template") and self.day:
            template = cd["group_template"]
            self.template_specs = group_template_clients(template, day=self.day)
            initial["work_type"] = Session.WorkType.GROUP
            initial["ratio"] = template.ratio
            clients = [spec.client.pk for spec in self.template_specs]
        initial["clients"], initial["workers"] = clients, workers
        if self.site and initial["subject"] in ("", initial["subject_auto"]):
            by_id = Client.objects.in_bulk(clients)
            initial["subject"] = initial["subject_auto"] = subject_for(
                site=self.site, session_type=self.chosen_session_type(),
                clients=[by_id[c] for c in clients if c in by_id],
            )
        return initial


class PlannedServiceForm(forms.Form):
    """One agreement line of a client, offered for the session: plan it or not."""

    line = forms.ModelChoiceField(
        queryset=ServiceAgreementLine.objects.none(), widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "A planned service was not from that client's agreement "
            "active on the session date.",
            "required": "A planned service was not from that client's agreement "
            "active on the session date.",
        },
    )
    plan = forms.BooleanField(label="Plan", required=False)
    quantity = forms.DecimalField(
        label="Quantity", required=False, max_digits=8, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0", "class": "qty"}),
    )
    group_template_item = forms.ModelChoiceField(
        queryset=GroupTemplateItem.objects.none(), required=False, widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That group-template service is not of this site."},
    )
    auto = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, lines=None, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines if lines is not None else (
            ServiceAgreementLine.objects.none()
        )
        self.fields["group_template_item"].queryset = items if items is not None else (
            GroupTemplateItem.objects.none()
        )

    def clean(self):
        data = super().clean()
        if data.get("plan") and "quantity" not in self.errors:
            qty = data.get("quantity")
            if qty is None or qty <= 0:
                self.add_error("quantity", "Enter a quantity above zero.")
        return data


class BasePlannedServiceFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": "The planned services could not be read "
        "(%(field_names)s). Reload the form and try again.",
        "too_many_forms": "At most %(num)d planned services per client.",
        "too_few_forms": "Plan at least %(num)d service.",
    }

    def clean(self):
        lines = [f.cleaned_data.get("line") for f in self.forms if f.cleaned_data]
        if len([ln for ln in lines if ln]) != len({ln.pk for ln in lines if ln}):
            raise ValidationError("Each agreement line appears once.")


PlannedServiceFormSet = forms.formset_factory(
    PlannedServiceForm, formset=BasePlannedServiceFormSet, extra=0, max_num=50,
    absolute_max=50, validate_max=True,
)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Activity", choices=[("", "—")] + SessionActivity.Kind.choices,
                             required=False)
    start = LocalDateTimeField(label="From", required=False)
    end = LocalDateTimeField(label="To", required=False)
    paid = forms.TypedChoiceField(
        label="Paid", choices=[("true", "Paid"), ("false", "Unpaid")],
        coerce=lambda v: v == "true", initial="true", required=False, empty_value=True,
    )

    def __init__(self, *args, tz=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def clean(self):
        data = super().clean()
        if not data.get("kind"):
            return data
        for name, what in (("start", "start"), ("end", "end")):
            if name in self.errors:
                continue
            if not data.get(name):
                self.add_error(name, f"Give the activity's {what}.")
            elif self.tz is not None:
                try:
                    data[f"{name}_aware"] = make_site_aware(data[name], self.tz)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


class BaseActivityFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": "The activity rows could not be read "
        "(%(field_names)s). Reload the form and try again.",
        "too_many_forms": "A session has at most %(num)d activities.",
        "too_few_forms": "Add at least %(num)d activity.",
    }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if forms.formsets.DELETION_FIELD_NAME in form.fields:
            form.fields[forms.formsets.DELETION_FIELD_NAME].label = "Remove"


ActivityFormSet = forms.formset_factory(
    ActivityForm, formset=BaseActivityFormSet, extra=0, max_num=20, absolute_max=20,
    validate_max=True, can_delete=True,
)


def parse_quantity(value) -> Decimal | None:
    try:
        qty = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return qty if qty.is_finite() and 0 < qty < Decimal("1e6") else None


class RecurrenceForm(forms.Form):
    """`Recurrence` of a new session on the live schedule (prefix ``rec``): the options of
    `sessions_app.recurrence`, checked against the first start (`first_start`, aware at the
    site, or None while the session form cannot tell it). When valid and repeating,
    `rule` is the Rule and `starts` every occurrence's start."""

    REPEATS = [
        (recurrence.REPEAT_NONE, "Does not repeat"),
        (recurrence.DAILY, "Daily"),
        (recurrence.WEEKLY, "Weekly, on chosen days"),
        (recurrence.MONTHLY_DATE, "Monthly, on dates of the month"),
        (recurrence.MONTHLY_WEEKDAY, "Monthly, on a weekday"),
    ]
    WEEKDAYS = list(enumerate(recurrence.DAY_NAMES))

    repeat = forms.ChoiceField(label="Repeats", choices=REPEATS, required=False)
    interval = forms.IntegerField(
        label="Every", required=False, min_value=1, max_value=999,
        widget=forms.NumberInput(attrs={"min": "1", "class": "qty"}),
        error_messages={"invalid": "Enter a whole number."},
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="On", choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose days from Monday to Sunday."},
    )
    month_days = forms.CharField(
        label="Days of the month", required=False, max_length=100,
        help_text="For example 2, 15 — or “last” for the last day.",
    )
    nth = forms.TypedChoiceField(
        label="On the", coerce=int, required=False, empty_value=None,
        choices=[(n, recurrence.ORDINALS[n]) for n in (1, 2, 3, 4, -1)],
    )
    nth_weekday = forms.TypedChoiceField(
        label="Weekday", coerce=int, required=False, empty_value=None,
        choices=list(enumerate(recurrence.DAY_NAMES_LONG)),
    )
    ends = forms.ChoiceField(
        label="Ends", required=False, widget=forms.RadioSelect,
        choices=[(recurrence.ENDS_COUNT, "After a number of sessions"),
                 (recurrence.ENDS_UNTIL, "On a date")],
    )
    count = forms.IntegerField(
        label="Number of times", required=False, min_value=1,
        max_value=recurrence.MAX_OCCURRENCES,
        widget=forms.NumberInput(attrs={"min": "1", "class": "qty"}),
        error_messages={
            "invalid": "Enter a whole number.",
            "max_value": f"A series has at most {recurrence.MAX_OCCURRENCES} sessions.",
            "min_value": "Enter at least 1.",
        },
    )
    until = forms.DateField(
        label="End date", required=False, validators=[validate_sane_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Enter a date."},
    )

    # Where a problem of the rule against the first start is shown.
    START_MISMATCH_FIELD = {recurrence.WEEKLY: "weekdays", recurrence.MONTHLY_DATE: "month_days",
                            recurrence.MONTHLY_WEEKDAY: "nth"}

    def __init__(self, *args, first_start: datetime.datetime | None = None, **kwargs):
        kwargs.setdefault("prefix", "rec")
        super().__init__(*args, **kwargs)
        self.first_start = first_start
        self.rule = None
        self.starts: list[datetime.datetime] = []

    @staticmethod
    def defaults(start: datetime.datetime | None) -> dict:
        """The initial choices for a session starting at `start` (naive, wall-clock)."""
        initial = {"repeat": recurrence.REPEAT_NONE, "interval": 1,
                   "ends": recurrence.ENDS_COUNT, "count": 4}
        if start is not None:
            week = (start.day - 1) // 7 + 1
            initial.update(weekdays=[start.weekday()], month_days=str(start.day),
                           nth=-1 if week == 5 else week, nth_weekday=start.weekday())
        return initial

    def clean_month_days(self):
        text = self.cleaned_data.get("month_days", "").strip()
        days = []
        for word in text.replace(";", ",").replace(" ", ",").split(","):
            word = word.strip().lower().rstrip(".")
            if not word:
                continue
            if word in ("last", "-1"):
                days.append(-1)
                continue
            digits = re.sub(r"(st|nd|rd|th)$", "", word)  # "2nd" is 2
            if not digits.isdigit() or not 1 <= int(digits) <= 31:
                raise ValidationError(
                    f"“{word[:10]}” is not a day of the month: give numbers from 1 to 31, "
                    "or “last”."
                )
            days.append(int(digits))
        return sorted(set(days), key=lambda d: (d < 0, d))

    def clean(self):
        data = super().clean()
        repeat = data.get("repeat") or recurrence.REPEAT_NONE
        if repeat == recurrence.REPEAT_NONE or self.errors:
            return data
        freq = {recurrence.DAILY: "DAILY", recurrence.WEEKLY: "WEEKLY"}.get(repeat, "MONTHLY")
        interval = data.get("interval") or 1
        if interval > recurrence.MAX_INTERVAL[freq]:
            unit = recurrence.UNITS[freq]
            self.add_error("interval", f"Every 1 to {recurrence.MAX_INTERVAL[freq]} {unit}s.")
        if repeat == recurrence.WEEKLY and not data.get("weekdays"):
            self.add_error("weekdays", "Choose at least one day of the week.")
        if repeat == recurrence.MONTHLY_DATE and not data.get("month_days"):
            self.add_error("month_days", "Give at least one day of the month.")
        if repeat == recurrence.MONTHLY_WEEKDAY:
            if data.get("nth") is None:
                self.add_error("nth", "Choose which week of the month.")
            if data.get("nth_weekday") is None:
                self.add_error("nth_weekday", "Choose the weekday.")
        ends = data.get("ends") or recurrence.ENDS_COUNT
        if ends == recurrence.ENDS_COUNT and data.get("count") is None:
            self.add_error("count", "Give the number of times.")
        if ends == recurrence.ENDS_UNTIL and data.get("until") is None:
            self.add_error("until", "Give the end date.")
        if self.errors:
            return data
        self.rule = recurrence.build(
            repeat=repeat, interval=interval, weekdays=data.get("weekdays") or (),
            month_days=data.get("month_days") or (), nth=data.get("nth"),
            nth_weekday=data.get("nth_weekday"),
            count=data.get("count") if ends == recurrence.ENDS_COUNT else None,
            until=data.get("until") if ends == recurrence.ENDS_UNTIL else None,
        )
        if self.first_start is not None:
            try:
                self.starts = recurrence.occurrences(self.rule, self.first_start)
            except ValidationError as exc:
                self.add_error(self._field_for(exc.code, repeat, ends), exc.messages)
                self.rule = None
        return data

    def _field_for(self, code, repeat, ends) -> str | None:
        if code == "start_not_an_occurrence":
            return self.START_MISMATCH_FIELD.get(repeat)
        if code == "until_before_start":
            return "until"
        if code in ("too_long", "too_many"):
            return "until" if ends == recurrence.ENDS_UNTIL else "count"
        return None

    @property
    def repeats(self) -> bool:
        return self.rule is not None

    def current_repeat(self) -> str:
        return str(self["repeat"].value() or "")
