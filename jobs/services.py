"""Writes to background jobs. Each is one or two statements, safe to run at the same time.

The life of a job, as the app that owns the work uses it:

    job = job_claim(kind=..., target=period, requested_by=user)   # None: one is running
    job_enqueue(job=job, task=my_task)                            # after commit
    # in the task (pk in):
    if not job_start(job_id=pk, total=n):   # finished or replaced meanwhile
        return                              # nothing to do
    job_progress(job_id=pk, advance=k)      # per batch; also the heartbeat
    job_finish(job_id=pk, message="…", result={...})  or  job_fail(job_id=pk, message="…")

Every write after the claim is conditional on the job still being active, so a job that was
declared lost (and replaced) cannot overwrite its replacement's outcome, and running a task
twice (acks_late redelivery) is harmless.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import registry
from .models import STALE_AFTER, WAITING_AFTER, Job

logger = logging.getLogger(__name__)

LOST_MESSAGE = "The job stopped reporting progress; it was started again."


def job_claim(*, kind: str, target: models.Model, requested_by=None) -> Job | None:
    """A new queued job of `kind` for `target`, or None when one is queued or running already.

    The database decides: a partial unique index allows one active job per kind and target,
    so of two claims at the same moment exactly one gets the job (the other's INSERT waits for
    the first to commit, then fails, and it gets None). A job silent for `STALE_AFTER` is lost:
    it is marked failed by one conditional UPDATE and the target can be claimed again.
    """
    target_type = ContentType.objects.get_for_model(target)
    now = timezone.now()
    user = requested_by if requested_by is not None and requested_by.is_authenticated else None
    # Retiring a lost job stands on its own: kept even if the INSERT below loses the race.
    Job.objects.filter(
        kind=kind, target_type=target_type, target_id=target.pk,
        status__in=Job.ACTIVE, heartbeat_at__lt=now - STALE_AFTER,
    ).update(status=Job.Status.FAILED, finished_at=now, message=LOST_MESSAGE)
    try:
        with transaction.atomic():
            return Job.objects.create(
                kind=kind, target_type=target_type, target_id=target.pk,
                requested_by=user, created_at=now, heartbeat_at=now,
            )
    except IntegrityError:
        return None


def job_enqueue(*, job: Job, task) -> None:
    """Send `task(job.pk)` to the workers once the claim is committed; record when.

    Without a broker the task runs in-process at commit. Neither a broker that cannot be
    reached nor a task that crashed in-process turns the request into an error page, and
    what was saved stays saved (this runs after commit). Broker down: the job stays queued,
    unsent, and `jobs_sweep` sends it once the broker is back. A crash in-process: the job is
    marked failed with the reason, and the page shows it.
    """
    transaction.on_commit(lambda: _send(job, task))


def _send(job: Job, task) -> bool:
    try:
        task.delay(job.pk)
    except Exception as exc:  # noqa: BLE001 - reported on the job, or left to the sweep
        if task.app.conf.task_always_eager:  # in-process: the task itself failed
            logger.exception("Job %s (%s) could not run", job.pk, job.kind)
            job_fail(job_id=job.pk, message=f"The background job could not run: {exc}")
        else:  # not sent (Redis down: kombu's OperationalError, the result store's error …)
            logger.warning("Job %s (%s) is queued but not sent: %s: %s. The sweep sends it "
                           "once the broker is back.", job.pk, job.kind,
                           type(exc).__name__, exc)
        return False
    Job.objects.filter(pk=job.pk).update(sent_at=timezone.now())
    return True


def jobs_sweep(*, now=None) -> list[int]:
    """Send again what the workers do not have: queued jobs never sent (the broker was down
    when they were claimed) and lost jobs (active and silent for `STALE_AFTER`: their worker
    died). Returns the ids sent. Run every minute (Celery beat, or `manage.py sweep_jobs` from
    cron); idempotent: a job sent or heard from recently is left alone, and each job is taken
    by one conditional UPDATE so two sweeps at once send it once. A job of a kind that no app
    registered (`jobs.registry`) is left alone. The broker still down: nothing is sent, the
    jobs stay as they were, and the next sweep tries again.
    """
    now = now or timezone.now()
    due = (
        Q(status=Job.Status.QUEUED, sent_at__isnull=True, created_at__lt=now - WAITING_AFTER)
        | Q(status__in=Job.ACTIVE, heartbeat_at__lt=now - STALE_AFTER)
    )
    sent = []
    candidates = Job.objects.filter(due).order_by("created_at", "pk")
    for job in candidates.only("pk", "kind", "sent_at", "heartbeat_at"):
        task = registry.task_for(job.kind)
        if task is None:
            logger.warning("Job %s: no task is registered for kind %r", job.pk, job.kind)
            continue
        # Take it: it now looks sent and alive, so another sweep (or the next) leaves it be.
        if not Job.objects.filter(due, pk=job.pk).update(sent_at=now, heartbeat_at=now):
            continue
        try:
            task.delay(job.pk)
        except Exception as exc:  # noqa: BLE001 - the broker is still down: try next time
            logger.warning("Sweep: job %s not sent: %s: %s", job.pk, type(exc).__name__, exc)
            Job.objects.filter(pk=job.pk, sent_at=now).update(
                sent_at=job.sent_at, heartbeat_at=job.heartbeat_at
            )
            break
        logger.info("Sweep: sent job %s (%s) again", job.pk, job.kind)
        sent.append(job.pk)
    return sent


def _active(job_id: int):
    return Job.objects.filter(pk=job_id, status__in=Job.ACTIVE)


def job_start(*, job_id: int, total: int | None = None) -> bool:
    """Mark the job running (again, after a redelivery). False if it is no longer active
    (finished, failed, or lost and replaced): the task then has nothing to do."""
    now = timezone.now()
    values = {"status": Job.Status.RUNNING, "started_at": now, "heartbeat_at": now, "done": 0}
    if total is not None:
        values["total"] = total
    return bool(_active(job_id).update(**values))


def job_progress(
    *, job_id: int, done: int | None = None, advance: int = 0, total: int | None = None
) -> bool:
    """Record progress (`done`, or `advance` it) and a heartbeat. False if no longer active."""
    values = {"heartbeat_at": timezone.now()}
    if done is not None:
        values["done"] = done
    elif advance:
        values["done"] = F("done") + advance
    if total is not None:
        values["total"] = total
    alive = bool(_active(job_id).update(**values))
    if settings.JOB_TEST_CHUNK_DELAY:  # tests only: time to kill a worker mid-job
        time.sleep(settings.JOB_TEST_CHUNK_DELAY)
    return alive


def job_finish(*, job_id: int, message: str = "", result: dict | None = None) -> bool:
    """The job is done: progress complete, its outcome recorded. False if no longer active."""
    now = timezone.now()
    return bool(
        _active(job_id).update(
            status=Job.Status.DONE, done=F("total"), message=message, result=result or {},
            finished_at=now, heartbeat_at=now,
        )
    )


def job_fail(*, job_id: int, message: str, result: dict | None = None) -> bool:
    """The job failed, and why (for the page). False if no longer active."""
    now = timezone.now()
    values = {
        "status": Job.Status.FAILED, "message": message, "finished_at": now, "heartbeat_at": now
    }
    if result is not None:
        values["result"] = result
    return bool(_active(job_id).update(**values))
