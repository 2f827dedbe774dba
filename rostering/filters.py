import django_filters
from django import forms

from clients.access import scoped
from clients.models import Site

from .models import BaseRoster, RosterPeriod


class BaseRosterFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), empty_label="Any site")
    active = django_filters.BooleanFilter(
        label="Status",
        widget=forms.Select(choices=[("", "Any"), ("true", "Active"), ("false", "Inactive")]),
    )

    class Meta:
        model = BaseRoster
        fields = ["name", "site", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["site"].queryset = scoped(user, Site.objects.all())
        self.form.fields["site"].queryset = self.filters["site"].queryset


class RosterPeriodFilter(django_filters.FilterSet):
    base_roster = django_filters.ModelChoiceFilter(
        queryset=BaseRoster.objects.all(), label="Base roster", empty_label="Any base roster"
    )
    status = django_filters.ChoiceFilter(choices=RosterPeriod.Status.choices, empty_label="Any")
    from_date = django_filters.DateFilter(
        field_name="end_date", lookup_expr="gte", label="Ending on or after"
    )

    class Meta:
        model = RosterPeriod
        fields = ["base_roster", "status", "from_date"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        rosters = scoped(user, BaseRoster.objects.all())
        self.filters["base_roster"].queryset = rosters
        self.form.fields["base_roster"].queryset = rosters
