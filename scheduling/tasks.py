"""Celery tasks of the live schedule. Tasks stay thin: primary keys in, a service call,
idempotent."""

from celery import shared_task


@shared_task
def ping(x: int) -> int:
    """Return ``x + 1``: proves a task round-trips through the broker and the result backend."""
    return x + 1
