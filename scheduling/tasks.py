"""Celery tasks of the live schedule. Tasks stay thin: primary keys in, a service call,
idempotent (`acks_late`: a task redelivered after a worker died finds its job finished, or
carries on where it stopped)."""

from celery import shared_task

from . import services


@shared_task
def ping(x: int) -> int:
    """Return ``x + 1``: proves a task round-trips through the broker and the result backend."""
    return x + 1


@shared_task(acks_late=True)
def roster_job(job_id: int) -> str:
    """Save and Roster: run a claimed rostering job (scheduling.services.roster_run)."""
    job = services.roster_run(job_id=job_id)
    return "missing" if job is None else f"{job.status}: {job.message}"


@shared_task(acks_late=True)
def send_roster_notifications(job_id: int) -> int:
    """Email the workers rostered by a Save and Roster job (one message each, once)."""
    return services.roster_notifications_send(job_id=job_id)

