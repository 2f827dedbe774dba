"""The publish form of a roster period: what the scheduler acknowledges."""

from django import forms


class PublishForm(forms.Form):
    acknowledged_warnings = forms.BooleanField(
        label="I have read the warnings", required=False
    )
    acknowledged_earlier_unpublished = forms.BooleanField(
        label="Publish before the earlier period", required=False
    )
