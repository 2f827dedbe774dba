"""Which Celery task runs a job of each kind, for the sweep (`jobs.services.jobs_sweep`) that
sends again the jobs the workers do not have. The app that owns a kind registers its task in
its `AppConfig.ready()`; jobs/ stays below every app and imports none of them.
"""

from __future__ import annotations

_TASKS: dict[str, object] = {}


def job_kind_register(*, kind: str, task) -> None:
    """`task(job_id)` runs a job of `kind` (a Celery task: it has `.delay`)."""
    _TASKS[kind] = task


def task_for(kind: str):
    """The task registered for `kind`, or None."""
    return _TASKS.get(kind)
