from django import forms

from clients.models import Site

from .models import BaseRoster, RosterPeriod


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BaseRosterForm(forms.ModelForm):
    site = forms.ModelChoiceField(
        queryset=Site.objects.filter(active=True), required=False, empty_label="All sites"
    )

    class Meta:
        model = BaseRoster
        fields = ["name", "active", "cycle_weeks", "start_date", "site"]
        widgets = {"start_date": DateInput()}
        labels = {"cycle_weeks": "Cycle length (weeks)"}
        help_texts = {"cycle_weeks": "1 to 12 weeks; the pattern repeats after this."}


class RosterPeriodForm(forms.ModelForm):
    class Meta:
        model = RosterPeriod
        fields = ["base_roster", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}
        labels = {"base_roster": "Base roster", "end_date": "End date (last day)"}
