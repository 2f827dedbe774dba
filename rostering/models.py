"""Base rosters and roster periods, and the records of their lifecycle (validation reports, the
notifications a publish sends)."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clients.formatting import nice_date_range
from clients.models import Site
from jobs.models import Job
from sessions_app.models import PERIOD_PUBLISHED

# The kinds of background job (jobs.Job) that act on a roster period.
JOB_GENERATE = "rostering.generate"  # generate, or bring in, its sessions from the base roster
JOB_VALIDATE = "rostering.validate"  # run the checks before publishing


class BaseRoster(models.Model):
    """The regular pattern of care: a cycle of N weeks from its start date."""

    name = models.CharField(max_length=150, unique=True)
    active = models.BooleanField(default=True)
    cycle_weeks = models.PositiveSmallIntegerField(
        "cycle length in weeks",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    start_date = models.DateField(help_text="The first day of the first cycle.")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="base_rosters"
    )
    # Lost updates (sessions_app.versioning): each write through the services adds one.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle_weeks__gte=1) & Q(cycle_weeks__lte=12),
                name="base_roster_cycle_1_to_12_weeks",
                violation_error_message="A cycle lasts between 1 and 12 weeks.",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("rostering:base_roster_detail", args=[self.pk])

    @property
    def cycle_days(self) -> int:
        return self.cycle_weeks * 7

    @property
    def cycle_end_date(self) -> datetime.date:
        """The last day of the first cycle."""
        try:
            return self.start_date + datetime.timedelta(days=self.cycle_days - 1)
        except OverflowError:  # a start saved before dates were checked (year 9999)
            return datetime.date.max


class RosterPeriod(models.Model):
    """A real date range generated from a base roster; draft until published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = PERIOD_PUBLISHED, "Published"

    base_roster = models.ForeignKey(BaseRoster, on_delete=models.PROTECT, related_name="periods")
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of the period.")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    # Lost updates (sessions_app.versioning): each write through the services adds one.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )

    # Generating and validating run as background jobs (jobs.Job) targeting the period.
    jobs = GenericRelation(Job, content_type_field="target_type", object_id_field="target_id")

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="roster_period_end_on_or_after_start",
                violation_error_message="A roster period must end on or after its start.",
            ),
            models.UniqueConstraint(
                fields=["base_roster", "start_date"], name="roster_period_unique_start"
            ),
        ]

    def __str__(self):
        return f"{self.base_roster} {nice_date_range(self.start_date, self.end_date)}"

    def get_absolute_url(self):
        return reverse("rostering:roster_period_detail", args=[self.pk])

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "A roster period must end on or after its start."})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def tzinfo(self):
        """The zone its times are shown in: its base roster's site's, else the organisation's."""
        site = self.base_roster.site
        return site.tzinfo if site is not None else timezone.get_default_timezone()

    @property
    def published_at_wall(self) -> datetime.datetime | None:
        """When it was published, as the clocks at its site showed it (naive, for templates)."""
        if self.published_at is None:
            return None
        return self.published_at.astimezone(self.tzinfo).replace(tzinfo=None)

    @property
    def accepts_sessions(self) -> bool:
        """A published period is closed: no session is added to it (sessions_app.services
        refuses it too)."""
        return not self.is_published

    @property
    def cycles(self) -> int | None:
        """Whole base-roster cycles the period spans, or None when it is not aligned."""
        days = (self.end_date - self.start_date).days + 1
        cycle = self.base_roster.cycle_days
        if (self.start_date - self.base_roster.start_date).days % cycle or days % cycle:
            return None
        return days // cycle


class PeriodValidation(models.Model):
    """The report of a finished validation job of a roster period (rostering.checks).

    The run itself (status, progress, heartbeat, who asked, when, why it failed) is its
    `jobs.Job` (kind `JOB_VALIDATE`); this row holds what it found. `report` is a list of
    issues, errors first: ``{"severity", "rule", "message", "session_id", "other_session_id",
    "start"}``. `sessions_updated_at` and `session_count` record the period's sessions as they
    were when the run started: a later change makes the report stale, and publishing then
    needs a new run.
    """

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="period_validation")
    period = models.ForeignKey(
        RosterPeriod, on_delete=models.CASCADE, related_name="validations"
    )
    session_count = models.PositiveIntegerField(default=0)
    sessions_updated_at = models.DateTimeField(
        null=True, blank=True,
        help_text="The latest change to the period's sessions when the run started.",
    )
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    rule_counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "scheduling_periodvalidation"
        ordering = ["-id"]

    def __str__(self):
        return f"Validation report of {self.period}"


class Notification(models.Model):
    """A message to a worker; for a published period, one per worker summarising their sessions."""

    worker = models.ForeignKey(
        "workforce.Worker", on_delete=models.CASCADE, related_name="notifications"
    )
    period = models.ForeignKey(
        RosterPeriod, null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="For sessions rostered on the live schedule: the Save and Roster job.",
    )
    change_key = models.CharField(
        max_length=64, blank=True, default="", db_default="",
        help_text="For a change made from the session menu: that change (one notice per worker).",
    )
    email = models.EmailField(blank=True, help_text="The address it was sent to.")
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "scheduling_notification"
        ordering = ["-created_at", "worker"]
        constraints = [
            # Publishing a period twice never notifies a worker twice.
            models.UniqueConstraint(
                fields=["worker", "period"], name="notification_once_per_worker_and_period"
            ),
            # Running a Save and Roster job again never notifies a worker twice.
            models.UniqueConstraint(
                fields=["worker", "job"], condition=Q(job__isnull=False),
                name="notification_once_per_worker_and_job",
            ),
            # One change from the session menu never notifies a worker twice.
            models.UniqueConstraint(
                fields=["worker", "change_key"], condition=~Q(change_key=""),
                name="notification_once_per_worker_and_change",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.worker}"
