"""Celery tasks of rostering. Thin: primary keys in, a service call, idempotent."""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import generation, publishing
from .models import RosterPeriod

logger = logging.getLogger(__name__)


@shared_task
def generate_roster_period(period_id: int) -> str:
    """Generate (or bring in) the period's missing sessions; safe to run again."""
    try:
        result = generation.roster_period_generate(period=period_id)
    except (ValidationError, RosterPeriod.DoesNotExist) as exc:
        # Published meanwhile, roster made inactive, period deleted: nothing to do, and the
        # period (if any) records why. Not an error of the job.
        logger.info("Roster period %s not generated: %s", period_id, exc)
        return "refused"
    return f"created {result.created}"


@shared_task(acks_late=True)
def validate_roster_period(validation_id: int) -> str:
    """Run a queued validation of a roster period (rostering.publishing)."""
    validation = publishing.period_validation_run(validation_id=validation_id)
    return validation.status if validation else "missing"


@shared_task(acks_late=True)
def send_period_notifications(period_id: int) -> int:
    """Email the workers of a published period their notification (one each, once)."""
    return publishing.period_notifications_send(period_id=period_id)


def enqueue_generation(period_id: int) -> None:
    """Send the job to the worker (or run it in-process when no broker is configured).

    Called from `transaction.on_commit`. A broker that cannot be reached, or (in-process) a job
    that crashed, must not turn the scheduler's request into an error page: the period records
    the failure and the page shows it.
    """
    try:
        generate_roster_period.delay(period_id)
    except Exception as exc:  # noqa: BLE001 - reported on the period page
        logger.exception("Generating roster period %s failed", period_id)
        RosterPeriod.objects.filter(
            pk=period_id,
            generation_status__in=[
                RosterPeriod.GenerationStatus.QUEUED, RosterPeriod.GenerationStatus.RUNNING
            ],
        ).update(
            generation_status=RosterPeriod.GenerationStatus.FAILED,
            generation_message=f"The generation job could not run: {exc}"[:255],
            generation_updated_at=timezone.now(),
        )
