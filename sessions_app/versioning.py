"""No lost updates: a form carries the version of the row it was opened on; a save made by
someone else meanwhile makes the next save of that form refused, never silently overwritten.

A versioned model has `version` (one more on every write through its services, also the
set-based ones: `F("version") + 1`), `updated_at` and `updated_by`. A service takes
`expected_version=` (None: no check, for system callers), locks the row, calls
`check_version(locked, expected_version)` — which raises `StaleEdit` naming who changed it and
when — and then `bump(locked, user=…)` before saving. The refused person's input is kept: the
view re-renders their own post, with the version moved to the current one and a banner
("Changed by cora at Fri 27 Nov 10:42 — here is what changed: …", `templates/_stale_banner.html`),
so pressing Save again applies their input knowingly.

How a modal view (the session menu's) uses it:
    1. its form is `class MyForm(VersionedFormMixin, forms.Form)`, opened with
       `initial={"version": session.version, …}`; the template has `{{ form.version }}` inside
       the <form> and `{% include "_stale_banner.html" %}` at its top;
    2. its service takes `expected_version=` and, after `select_for_update()`, calls
       `check_version(locked, expected_version)` then `bump(locked, user=user)`;
    3. the view passes `expected_version=form.cleaned_data["version"]` and on `except StaleEdit
       as exc` renders `form.refused(exc, current={field: value saved now})` with status 409.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone

from clients.formatting import MONTHS, WEEKDAYS

STALE_STATUS = 409  # Conflict; templates/base.html tells htmx to swap it like a 422
MAX_VERSION = 2**31 - 1  # PositiveIntegerField's range on every database


def when(value: datetime.datetime | None, tz=None) -> str:
    """'Fri 27 Nov 10:42' — an aware datetime read in `tz` (else the current time zone)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(tz) if tz else timezone.localtime(value)
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value:%H:%M}"


def who(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


class StaleEdit(ValidationError):
    """The row changed since the form was opened: `current` is the row as saved now (locked),
    `by` and `at` who changed it last and when. A caller that does not know this error still
    shows its message as a form-wide error (it is a ValidationError keyed `__all__`)."""

    def __init__(self, *, current, expected_version: int, tz=None):
        self.current = current
        self.expected_version = expected_version
        self.version = current.version
        self.by = current.updated_by
        self.at = current.updated_at
        self.tz = tz
        self.headline = stale_headline(by=self.by, at=self.at, tz=tz)
        super().__init__({NON_FIELD_ERRORS: [ValidationError(
            f"{self.headline}. Nothing was saved: open it again to see the change.",
            code="stale",
        )]})


def stale_headline(*, by, at, tz=None) -> str:
    text = f"Changed by {who(by)}"
    return f"{text} at {when(at, tz)}" if at else f"{text} since you opened it"


def check_version(obj, expected_version: int | None, *, tz=None) -> None:
    """Refuse a write to `obj` (locked, as saved now) made from a form opened at another
    version. None means no check (a system caller)."""
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit(current=obj, expected_version=expected_version, tz=tz)


def bump(obj, *, user=None, now: datetime.datetime | None = None) -> None:
    """Mark one more write to a locked `obj` (saved by the caller): its version, who, when."""
    obj.version = (obj.version or 0) + 1
    obj.updated_by = actor(user)
    if hasattr(obj, "updated_at"):
        obj.updated_at = now or timezone.now()


def actor(user):
    """The user to record as `updated_by`: None for an anonymous or missing user."""
    return user if getattr(user, "is_authenticated", False) else None


# --- forms ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    label: str
    mine: str
    now: str


@dataclass
class StaleNotice:
    headline: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput
    default_error_messages = {
        "required": "This form lost track of the version it was opened on. Reload it and try "
        "again.",
        "invalid": "This form's version could not be read. Reload it and try again.",
        "min_value": "This form's version could not be read. Reload it and try again.",
        "max_value": "This form's version could not be read. Reload it and try again.",
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_VERSION, **kwargs)


class VersionedFormMixin:
    """A hidden `version`: the version of the row the form was opened on. After a refused save
    (`StaleEdit`), `refused()` moves it to the current version and sets `stale_notice` for
    `templates/_stale_banner.html`, keeping everything the person typed."""

    version_required = True
    stale_notice: StaleNotice | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = VersionField(required=self.version_required)

    def refused(self, exc: StaleEdit, *, current: dict, extra: list[Change] = (), note=""):
        """Keep the post, take the current version, and describe field by field where what
        the person submitted differs from what is saved now (`current`: field → value)."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(exc.version)
        self.data = data
        changes = [*self.differences(current), *extra]
        if not changes and not note:
            note = "No field of this form differs from what is saved now."
        self.stale_notice = StaleNotice(exc.headline, changes, note)
        return self

    def differences(self, current: dict) -> list[Change]:
        submitted = getattr(self, "cleaned_data", {})
        out = []
        for name, now in current.items():
            fld = self.fields[name]
            mine = submitted[name] if name in submitted else self.data.get(self.add_prefix(name))
            a, b = show(fld, mine), show(fld, now)
            if a != b:
                out.append(Change(str(fld.label or name.replace("_", " ").capitalize()), a, b))
        return out


NOTHING = "(none)"


def show(fld: forms.Field, value) -> str:
    """A value as a person reads it in the form: labels, not ids."""
    if value is None or value == "" or (isinstance(value, (list, tuple, set)) and not value):
        return NOTHING
    if isinstance(fld, forms.ModelMultipleChoiceField):
        values = list(value)
        ids = [v for v in values if not isinstance(v, models.Model)]
        objs = [v for v in values if isinstance(v, models.Model)]
        if ids:
            objs += list(fld.queryset.model._default_manager.filter(pk__in=ids))
        return ", ".join(sorted(str(o) for o in objs)) or NOTHING
    if isinstance(fld, forms.ModelChoiceField):
        if not isinstance(value, models.Model):
            value = fld.queryset.model._default_manager.filter(pk=value).first()
        return str(value) if value is not None else NOTHING
    if isinstance(fld, forms.ChoiceField) and not isinstance(fld, forms.MultipleChoiceField):
        key = str(value).lower() if isinstance(value, bool) else str(value)
        labels = {str(k): str(v) for k, v in fld.choices}
        return labels.get(key, key)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return when(value)
    if isinstance(value, datetime.date):
        return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"
    if isinstance(value, decimal.Decimal):
        return f"{value.normalize():f}"
    text = " ".join(str(value).split())
    return text if len(text) <= 80 else text[:79] + "…"
