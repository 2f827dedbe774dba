"""Celery tasks of background jobs themselves."""

from celery import shared_task

from . import services


@shared_task
def sweep_jobs() -> int:
    """Send again queued jobs never sent and lost jobs (Celery beat runs it every minute)."""
    return len(services.jobs_sweep())
