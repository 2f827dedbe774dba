"""Celery tasks. Tasks stay thin: primary keys in, a service call, idempotent."""

from celery import shared_task


@shared_task
def ping(x: int) -> int:
    """Return ``x + 1``: proves a task round-trips through the broker and the result backend."""
    return x + 1


@shared_task(acks_late=True)
def validate_roster_period(validation_id: int) -> str:
    """Run a queued validation of a roster period (scheduling.period_services)."""
    from .period_services import period_validation_run

    validation = period_validation_run(validation_id=validation_id)
    return validation.status if validation else "missing"


@shared_task(acks_late=True)
def send_period_notifications(period_id: int) -> int:
    """Email the workers of a published period their notification (one each, once)."""
    from .period_services import period_notifications_send

    return period_notifications_send(period_id=period_id)
