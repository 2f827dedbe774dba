"""Celery tasks of rostering. Thin: a job's primary key in, a service call, idempotent.

Each task runs one claimed `jobs.Job` (see `jobs.services`); running it twice (a redelivery
after a worker died: `acks_late`) finds the job finished and does nothing, or carries on.
"""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError

from . import generation, publishing
from .models import RosterPeriod

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def generation_job(job_id: int) -> str:
    """Generate (or bring in) the missing sessions of a claimed generation job's period."""
    try:
        result = generation.roster_period_generation_run(job_id=job_id)
    except (ValidationError, RosterPeriod.DoesNotExist) as exc:
        # Published meanwhile, roster made inactive, period deleted: nothing to do, and the
        # job records why. Not an error of the task.
        logger.info("Generation job %s refused: %s", job_id, exc)
        return "refused"
    return "not active" if result is None else f"created {result.created}"


@shared_task(acks_late=True)
def validation_job(job_id: int) -> str:
    """Run a claimed validation job of a roster period (rostering.publishing)."""
    job = publishing.period_validation_run(job_id=job_id)
    return job.status if job else "missing"


@shared_task(acks_late=True)
def send_period_notifications(period_id: int) -> int:
    """Email the workers of a published period their notification (one each, once)."""
    return publishing.period_notifications_send(period_id=period_id)
