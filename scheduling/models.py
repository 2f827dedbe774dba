"""Validation runs of roster periods and the notifications sent when a period is published."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PeriodValidation(models.Model):
    """One run of the checks of a roster period (scheduling.period_checks), in the background.

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
        "rostering.RosterPeriod", on_delete=models.CASCADE, related_name="validations"
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
        "rostering.Worker", on_delete=models.CASCADE, related_name="notifications"
    )
    period = models.ForeignKey(
        "rostering.RosterPeriod", null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField(blank=True, help_text="The address it was sent to.")
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "worker"]
        constraints = [
            # Publishing a period twice never notifies a worker twice.
            models.UniqueConstraint(
                fields=["worker", "period"], name="notification_once_per_worker_and_period"
            )
        ]

    def __str__(self):
        return f"{self.subject} → {self.worker}"
