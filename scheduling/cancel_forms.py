"""The Cancel Session form: which scheduled clients, the reason and details. The rules (who
may, which sessions, short notice) are the service's (`scheduling.cancellations`)."""

from django import forms

from sessions_app.models import CancellationReason
from sessions_app.versioning import VersionedFormMixin


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} — {obj.label}"


class CancelForm(VersionedFormMixin, forms.Form):
    clients = forms.TypedMultipleChoiceField(
        label="Clients", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one client to cancel.",
            "invalid_choice": "Choose among this session's scheduled clients.",
        },
    )
    reason = ReasonChoiceField(
        label="Reason", queryset=CancellationReason.objects.filter(active=True),
        empty_label="Choose a reason",
        error_messages={
            "required": "Choose a reason for the cancellation.",
            "invalid_choice": "That is not a cancellation reason in use.",
        },
    )
    details = forms.CharField(label="Details", max_length=255, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, links, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["clients"]
        field.choices = [(link.client_id, str(link.client)) for link in links]
        field.required = bool(links)  # a session without clients is cancelled as a whole
        if not self.is_bound:
            self.initial.setdefault("clients", [link.client_id for link in links])


class UndoForm(forms.Form):
    """Which cancelled clients to put back (none given: all of them)."""

    clients = forms.TypedMultipleChoiceField(
        coerce=int, required=False,
        error_messages={"invalid_choice": "Choose among this session's cancelled clients."},
    )

    def __init__(self, *args, links, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clients"].choices = [(link.client_id, str(link.client)) for link in links]
