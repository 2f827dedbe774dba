"""Save and Roster: what a scheduler asked to roster, and what became of each occurrence.

A `RosterRequest` is one press of Save and Roster (or Roster again): the target of its
background job (`jobs.Job`, kind `JOB_ROSTER`). Each occurrence it rosters has a
`RosterOutcome`: Rostered, or left Draft with the reasons, and the fatigue warnings either way.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

JOB_ROSTER = "scheduling.roster"


class RosterRequest(models.Model):
    # clients.access: a Save and Roster job is seen by those who see one of its sessions
    region_scope = "outcomes__session__site__region"
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Roster again: the request whose Draft occurrences this one tries again.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Save and Roster #{self.pk}"


class RosterOutcome(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", "Waiting"
        ROSTERED = "rostered", "Rostered"
        DRAFT = "draft", "Draft"  # not rostered: `reasons` say why
        SKIPPED = "skipped", "Skipped"  # not a Draft any more when the job came to it

    request = models.ForeignKey(RosterRequest, on_delete=models.CASCADE, related_name="outcomes")
    session = models.ForeignKey(
        "sessions_app.Session", on_delete=models.CASCADE, related_name="roster_outcomes"
    )
    position = models.PositiveIntegerField(help_text="The order of the occurrences (by start).")
    result = models.CharField(max_length=10, choices=Result, default=Result.PENDING)
    reasons = models.JSONField(default=list, blank=True, help_text="Why it stays Draft.")
    warnings = models.JSONField(default=list, blank=True, help_text="Fatigue rules, not blocking.")
    other_session = models.ForeignKey(
        "sessions_app.Session", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="The session it clashes with, if that is the reason.",
    )

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "session"], name="roster_outcome_once")
        ]
        indexes = [models.Index(fields=["session", "-id"], name="roster_outcome_latest")]

    def __str__(self):
        return f"{self.session_id}: {self.result}"

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)
