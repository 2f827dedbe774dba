"""The forms of the session menu's actions: each decides its 4xx; the services decide the rest."""

from __future__ import annotations

from django import forms

from sessions_app.forms import LocalDateTimeField, parse_id
from sessions_app.versioning import VersionedFormMixin

from .changes import Scope


class ScopeForm(VersionedFormMixin, forms.Form):
    """The scope of a change to a session of a recurring series (a radio group with a legend);
    a session in no series is only itself. And the version of the session the modal was opened
    on: a save after someone else's is refused, not silently applied over it."""

    scope = forms.ChoiceField(
        label="Change", choices=Scope.choices, widget=forms.RadioSelect, initial=Scope.THIS,
        error_messages={"required": "Choose which sessions of the series to change.",
                        "invalid_choice": "Choose which sessions of the series to change."},
    )

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_series = session is not None and session.series_id is not None
        if session is not None:
            self.fields["version"].initial = session.version
        if not self.in_series:
            self.fields["scope"].required = False

    def chosen_scope(self) -> str:
        if not self.in_series:
            return Scope.THIS
        return self.cleaned_data.get("scope") or Scope.THIS


class IdsField(forms.Field):
    """Ids of a list of checkboxes; anything that is not an id is an error, not a 500."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        ids = []
        for v in values:
            pk = parse_id(v)
            if pk is None:
                raise forms.ValidationError("Choose workers from the list.", code="invalid")
            ids.append(pk)
        return list(dict.fromkeys(ids))


class WorkersForm(ScopeForm):
    add = IdsField(label="Add", required=False)
    remove = IdsField(label="Remove", required=False)
    q = forms.CharField(label="Find a worker", required=False, max_length=100)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("add") and not data.get("remove"):
            self.add_error(None, "Choose a worker to add or remove.")
        return data


class TimesForm(ScopeForm):
    start = LocalDateTimeField(label="Start")
    end = LocalDateTimeField(label="End", help_text="May be on the next day (overnight).")
