import datetime

from django import forms

from clients.models import Site
from sessions_app.forms import EARLIEST_YEAR, LATEST_YEAR, parse_id, validate_sane_date
from sessions_app.versioning import VersionedFormMixin

from .models import BaseRoster
from .services import aligned, before_roster_message, misaligned_message, next_period_starts


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

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        validate_sane_date(start)
        return start


class BaseRosterEditForm(VersionedFormMixin, BaseRosterForm):
    """Edit a base roster's details; `version` is the version it was opened on."""


class RosterPeriodEditForm(VersionedFormMixin, forms.Form):
    """How many cycles of its base roster a draft period lasts (its end date follows)."""

    cycles = forms.IntegerField(
        label="Number of cycles", min_value=1, max_value=52,
        widget=forms.NumberInput(attrs={"min": 1, "max": 52}),
    )


def _day(d: datetime.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


class RosterPeriodForm(forms.Form):
    """A period from a base roster: a start aligned with its cycle and a number of cycles.

    The start dates offered depend on the chosen base roster (the form refreshes itself with
    htmx when it changes); the server refuses a start that does not line up with the cycle.
    """

    base_roster = forms.ModelChoiceField(
        queryset=BaseRoster.objects.filter(active=True).order_by("name"),
        label="Base roster",
        empty_label="Choose a base roster",
    )
    start_date = forms.DateField(
        label="Start date", widget=forms.Select, validators=[validate_sane_date]
    )
    cycles = forms.IntegerField(
        label="Number of cycles", min_value=1, max_value=52, initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": 52}),
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = self._chosen_roster()
        self.starts = []
        field = self.fields["start_date"]
        if self.roster is None:
            field.widget.choices = [("", "Choose a base roster first")]
            return

        if not EARLIEST_YEAR <= self.roster.start_date.year <= LATEST_YEAR:
            # A roster saved before dates were checked: nothing sensible to offer.
            field.widget.choices = [("", "No start dates: the base roster's start is invalid")]
            field.help_text = (
                f"{self.roster} starts on {self.roster.start_date:%d/%m/%Y}; correct its "
                f"start date (between {EARLIEST_YEAR} and {LATEST_YEAR}) first."
            )
            return
        self.starts = next_period_starts(self.roster, today=today)
        choices = [(d.isoformat(), _day(d)) for d in self.starts]
        chosen = self._chosen_start()
        if self.is_bound:
            if chosen and chosen not in self.starts:
                # Keep what was posted visible, so its error message has something to point at.
                choices.insert(0, (chosen.isoformat(), _day(chosen)))
        elif chosen not in self.starts and self.starts:
            # A refresh after the base roster changed: its own default replaces the old date.
            self.initial["start_date"] = self._default_start()
        field.widget.choices = choices
        weeks = self.roster.cycle_weeks
        field.help_text = (
            f"Start dates line up with the {weeks}-week cycle that began "
            f"{_day(self.roster.start_date)}."
        )
        self.fields["cycles"].help_text = (
            f"One cycle is {weeks} week{'s' if weeks != 1 else ''}; "
            "the period ends the day before the next cycle starts."
        )

    def _raw(self, name):
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    def _chosen_roster(self):
        value = self._raw("base_roster")
        if isinstance(value, BaseRoster):
            return value
        pk = parse_id(value)
        return self.fields["base_roster"].queryset.filter(pk=pk).first() if pk else None

    def _chosen_start(self):
        value = self._raw("start_date")
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(value or "")
        except (TypeError, ValueError):
            return None

    def _default_start(self):
        """The first offered date after the roster's latest period, else the first offered."""
        latest = self.roster.periods.order_by("-end_date").values_list("end_date", flat=True)
        after = latest.first()
        return next((d for d in self.starts if after is None or d > after), self.starts[0])

    def clean(self):
        data = super().clean()
        roster, start = data.get("base_roster"), data.get("start_date")
        if roster and start:
            if before := before_roster_message(roster, start):
                self.add_error("start_date", before)
            elif not aligned(roster, start):
                self.add_error("start_date", misaligned_message(roster, start))
        return data

    @property
    def end_date(self):
        """The end that follows from the chosen start and cycles (None until both are valid)."""
        start = self._chosen_start()
        try:
            cycles = int(self._raw("cycles") or self.fields["cycles"].initial)
        except (TypeError, ValueError):
            return None
        if self.roster is None or start is None or not 1 <= cycles <= 52:
            return None
        if not EARLIEST_YEAR <= start.year <= LATEST_YEAR:
            return None
        return start + datetime.timedelta(days=self.roster.cycle_days * cycles - 1)


class PublishForm(forms.Form):
    acknowledged_warnings = forms.BooleanField(
        label="I have read the warnings", required=False
    )
    acknowledged_earlier_unpublished = forms.BooleanField(
        label="Publish before the earlier period", required=False
    )
