"""Base rosters and roster periods, and the records of their lifecycle (validation runs, the
notifications a publish sends)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clients.formatting import nice_date_range
from clients.models import Site
from sessions_app.models import PERIOD_PUBLISHED


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

    class GenerationStatus(models.TextChoices):
        IDLE = "idle", "Not generated"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    base_roster = models.ForeignKey(BaseRoster, on_delete=models.PROTECT, related_name="periods")
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of the period.")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)

    # Progress of the background job that generates sessions from the base roster
    # (rostering.generation); written once per batch, polled by the period page.
    generation_status = models.CharField(
        max_length=10, choices=GenerationStatus, default=GenerationStatus.IDLE
    )
    generation_done = models.PositiveIntegerField(default=0)
    generation_total = models.PositiveIntegerField(default=0)
    generation_message = models.CharField(max_length=255, blank=True)
    generation_updated_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Last progress write; a queued/running job silent for long can be restarted.",
    )
    generated_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def generation_in_progress(self) -> bool:
        return self.generation_status in (
            self.GenerationStatus.QUEUED, self.GenerationStatus.RUNNING
        )

    @property
    def generation_percent(self) -> int:
        if self.generation_status == self.GenerationStatus.DONE:
            return 100
        if not self.generation_total:
            return 0
        return min(100, self.generation_done * 100 // self.generation_total)


class PeriodValidation(models.Model):
    """One run of the checks of a roster period (rostering.checks), in the background.

    `report` is a list of issues, errors first:
    ``{"severity", "rule", "message", "session_id", "other_session_id", "start"}``.
    `sessions_updated_at` and `session_count` record the period's sessions as they were when
    the run started: a later change makes the run stale, and publishing then needs a new one.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    period = models.ForeignKey(
        RosterPeriod, on_delete=models.CASCADE, related_name="validations"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    session_count = models.PositiveIntegerField(default=0)
    sessions_updated_at = models.DateTimeField(
        null=True, blank=True,
        help_text="The latest change to the period's sessions when the run started.",
    )
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    rule_counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=list, blank=True)
    failure_message = models.TextField(blank=True)

    class Meta:
        db_table = "scheduling_periodvalidation"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["period", "-created_at"])]
        constraints = [
            # Pressing Validate twice (or two schedulers at once) never starts a second run.
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status__in=["queued", "running"]),
                name="period_validation_one_active",
            )
        ]

    def __str__(self):
        return f"Validation of {self.period} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class Notification(models.Model):
    """A message to a worker; for a published period, one per worker summarising their sessions."""

    worker = models.ForeignKey(
        "workforce.Worker", on_delete=models.CASCADE, related_name="notifications"
    )
    period = models.ForeignKey(
        RosterPeriod, null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
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
            )
        ]

    def __str__(self):
        return f"{self.subject} → {self.worker}"
