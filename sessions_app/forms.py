"""The one session form, used on a base roster, a roster period and the live schedule.

Start and End are wall-clock times at the chosen site; the form turns them into aware
datetimes in the site's time zone and refuses times that do not exist (DST gaps).
Every rule is re-checked by `sessions_app.services` on save.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from clients import wallclock
from clients.formatting import nice_date
from clients.models import Client, GroupTemplate, Region, Site
from workforce.models import Asset, Worker

from .models import ServiceType, Session, SessionActivity, SessionType

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


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
            return value.replace(tzinfo=None)
        for fmt in DATETIME_FORMATS:
            try:
                return datetime.datetime.strptime(str(value).strip(), fmt)
            except ValueError:
                continue
        raise ValidationError(self.error_messages["invalid"], code="invalid")


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


class SessionForm(forms.Form):
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
        label="Group template", queryset=GroupTemplate.objects.filter(active=True),
        required=False, empty_label="None",
    )
    ratio = forms.RegexField(
        label="Worker:client ratio", regex=r"^\d{1,2}:\d{1,2}$", required=False,
        error_messages={"invalid": "Enter a ratio such as 1:3."},
    )
    assets = forms.ModelMultipleChoiceField(
        label="Assets", queryset=Asset.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    clients = forms.ModelMultipleChoiceField(
        label="Clients", queryset=Client.objects.all(), required=False,
        widget=forms.MultipleHiddenInput,
    )
    workers = forms.ModelMultipleChoiceField(
        label="Workers", queryset=Worker.objects.all(), required=False,
        widget=forms.MultipleHiddenInput,
    )
    service_types = forms.ModelMultipleChoiceField(
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

    def __init__(self, *args, place: str = "base_roster", **kwargs):
        super().__init__(*args, **kwargs)
        self.place = place
        self.site_obj = None
        self.fields["site"].widget.attrs["autofocus"] = False

    # --- state helpers used by the view while the form is being filled in -------------
    def raw(self, name, default=""):
        if self.is_bound:
            return self.data.get(self.add_prefix(name), default)
        value = self.initial.get(name, default)
        return value if value is not None else default

    def raw_list(self, name) -> list[str]:
        if self.is_bound:
            return [v for v in self.data.getlist(self.add_prefix(name)) if v]
        return [str(getattr(v, "pk", v)) for v in self.initial.get(name, [])]

    def clean(self):
        data = super().clean()
        site = data.get("site")
        if site is None:
            return data
        self.site_obj = site
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
        if not data.get("subject"):
            data["subject"] = subject_for(
                site=site, session_type=data.get("session_type"), clients=data.get("clients", [])
            )
        work_type = data.get("work_type")
        clients = data.get("clients") or []
        if work_type == Session.WorkType.APPOINTMENT and len(clients) != 1:
            self.add_error("clients", "An Appointment has exactly one client.")
        if work_type == Session.WorkType.GROUP and not clients:
            self.add_error("clients", "A Group session needs at least one client.")
        return data


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Activity", choices=[("", "—")] + SessionActivity.Kind.choices,
                             required=False)
    start = LocalDateTimeField(label="From", required=False)
    end = LocalDateTimeField(label="To", required=False)
    paid = forms.TypedChoiceField(
        label="Paid", choices=[("true", "Paid"), ("false", "Unpaid")],
        coerce=lambda v: v == "true", initial="true", required=False, empty_value=True,
    )

    def clean(self):
        data = super().clean()
        if not data.get("kind"):
            return data
        if not data.get("start"):
            self.add_error("start", "Give the activity's start.")
        if not data.get("end"):
            self.add_error("end", "Give the activity's end.")
        return data


ActivityFormSet = forms.formset_factory(ActivityForm, extra=0, max_num=20)


def parse_quantity(value) -> Decimal | None:
    try:
        qty = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return qty if qty > 0 else None
