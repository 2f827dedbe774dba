"""Background jobs: one record per run of long work (generating or validating a roster period
today, Save and Roster next), whatever app does the work.

A job has a `kind` (a name chosen by the app that runs it, e.g. "rostering.generate") and a
target (any model row, through a generic relation). The database allows one active (queued or
running) job per kind and target (`job_one_active_per_target`), so pressing a button twice, or
two schedulers pressing it at once, never starts a second run. While it runs a job records its
progress (`done` of `total`); every write of progress is a heartbeat (`heartbeat_at`). One rule
says when a job is lost: active and silent for longer than `STALE_AFTER` (a worker that died);
such a job may be claimed again. The outcome is the status (done or failed), a message for the
page, and a small `result` (counts) for code.

`sent_at` records when its task reached the broker. A queued job never sent (Redis was down
when it was claimed) and a lost job are sent again by the sweep (`jobs.services.jobs_sweep`,
every minute); the task carries the job's id, so a redelivered or re-sent task carries on with
the same job.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

# A queued or running job silent for this long is lost (its worker died): it can be claimed
# again. Every progress write is a heartbeat, so only a job that stops writing goes stale.
STALE_AFTER = datetime.timedelta(minutes=10)
# A queued job whose task could not be sent (the broker was down), or not started this long
# after it was sent, is shown as waiting for the background service.
WAITING_AFTER = datetime.timedelta(seconds=30)


class JobQuerySet(models.QuerySet):
    def for_target(self, target: models.Model, kind: str | None = None) -> JobQuerySet:
        qs = self.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        )
        return qs if kind is None else qs.filter(kind=kind)

    def active(self) -> JobQuerySet:
        """Queued or running (lost ones included)."""
        return self.filter(status__in=Job.ACTIVE)

    def stale(self, *, now=None) -> JobQuerySet:
        """Active, but silent for longer than STALE_AFTER: lost."""
        now = now or timezone.now()
        return self.active().filter(heartbeat_at__lt=now - STALE_AFTER)

    def busy(self, *, now=None) -> JobQuerySet:
        """Active and heard from within STALE_AFTER: someone is working on it."""
        now = now or timezone.now()
        return self.active().filter(heartbeat_at__gte=now - STALE_AFTER)

    def newest_first(self) -> JobQuerySet:
        return self.order_by("-created_at", "-id")


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=50, help_text="What the job does, e.g. rostering.generate.")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")

    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="The outcome, as the page shows it.")
    result = models.JSONField(default=dict, blank=True, help_text="The outcome's counts.")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        default=timezone.now, help_text="The last sign of life: claim, start or progress."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When its task was last handed to the broker; empty: not sent yet (the "
        "broker was down), the sweep sends it.",
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "kind", "-created_at"],
                name="job_target_newest",
            )
        ]
        constraints = [
            # Pressing a button twice (or two people at once) never starts a second run.
            models.UniqueConstraint(
                fields=["kind", "target_type", "target_id"],
                condition=Q(status__in=["queued", "running"]),
                name="job_one_active_per_target",
            ),
        ]

    def __str__(self):
        return f"{self.kind} of {self.target_type.model} {self.target_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    def is_stale(self, *, now=None) -> bool:
        """The one rule: active and silent for longer than STALE_AFTER."""
        return self.is_active and (now or timezone.now()) - self.heartbeat_at > STALE_AFTER

    @property
    def stale(self) -> bool:  # for templates
        return self.is_stale()

    @property
    def busy(self) -> bool:
        """Active and alive, or queued and not sent yet (the broker is down; the sweep sends
        it once it is back): pages poll it."""
        return self.is_active and (not self.is_stale() or self.unsent)

    @property
    def unsent(self) -> bool:
        """Queued, and its task never reached the broker (it was down): the sweep sends it."""
        return self.status == self.Status.QUEUED and self.sent_at is None

    def is_waiting(self, *, now=None) -> bool:
        """Queued and not started: never sent, or sent a while ago and no worker took it."""
        if self.status != self.Status.QUEUED:
            return False
        since = self.sent_at or self.created_at
        return self.sent_at is None or (now or timezone.now()) - since > WAITING_AFTER

    @property
    def waiting(self) -> bool:  # for templates
        return self.is_waiting()

    @property
    def percent(self) -> int:
        if self.is_done:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)
