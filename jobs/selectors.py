"""Reads of background jobs."""

from __future__ import annotations

from django.db import models

from .models import Job


def latest_job(*, kind: str, target: models.Model) -> Job | None:
    """The newest job of `kind` for `target` (the one a page shows), or None."""
    return Job.objects.for_target(target, kind).newest_first().first()


def active_job(*, kind: str, target: models.Model) -> Job | None:
    """The queued or running job of `kind` for `target` (at most one), or None."""
    return Job.objects.for_target(target, kind).active().first()


def is_busy(*, kind: str, target: models.Model) -> bool:
    """Is a job of `kind` working on `target` now (active and not lost)?"""
    return Job.objects.for_target(target, kind).busy().exists()
