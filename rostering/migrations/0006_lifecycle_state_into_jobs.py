# Reviewed: step 2 of 3. Data only: each period's generation state (the generation_* columns)
# becomes a generation job, each validation run a validation job linked to its report. A run
# that was queued or running at the upgrade is recorded as failed ("interrupted"): its task was
# enqueued under the old name and will not run. Reversible: the latest jobs go back into the
# columns, and the jobs of these two kinds are deleted.

from django.db import migrations
from django.utils import timezone

GENERATE = "rostering.generate"
VALIDATE = "rostering.validate"
ACTIVE = ("queued", "running")
INTERRUPTED = "Interrupted by an upgrade of the application."


def _period_type(apps, db):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.db_manager(db).get_or_create(
        app_label="rostering", model="rosterperiod"
    )[0]


def _plural(n, word):
    return f"{n:,} {word}{'s' if n != 1 else ''}"


def forward(apps, schema_editor):
    db = schema_editor.connection.alias
    Job = apps.get_model("jobs", "Job")
    RosterPeriod = apps.get_model("rostering", "RosterPeriod")
    PeriodValidation = apps.get_model("rostering", "PeriodValidation")
    periods = RosterPeriod.objects.using(db).exclude(generation_status="idle").order_by("pk")
    validations = PeriodValidation.objects.using(db).order_by("pk")
    if not periods.exists() and not validations.exists():
        return
    period_type = _period_type(apps, db)
    now = timezone.now()

    jobs = []
    for p in periods.iterator():
        interrupted = p.generation_status in ACTIVE
        last = p.generation_updated_at or p.generated_at or now
        jobs.append(Job(
            kind=GENERATE, target_type=period_type, target_id=p.pk,
            status="failed" if interrupted else p.generation_status,
            done=p.generation_done, total=max(p.generation_total, p.generation_done),
            message=INTERRUPTED if interrupted else p.generation_message,
            created_at=last, heartbeat_at=last,
            finished_at=(p.generated_at or last) if p.generation_status == "done" else last,
        ))
    Job.objects.using(db).bulk_create(jobs, batch_size=500)

    for v in validations.iterator():
        interrupted = v.status in ACTIVE
        finished = v.status == "done"
        last = v.finished_at or v.started_at or v.created_at
        if finished:
            message = (
                f"Checked {_plural(v.session_count, 'session')}: "
                f"{_plural(v.error_count, 'error')}, {_plural(v.warning_count, 'warning')}."
            )
        elif interrupted:
            message = INTERRUPTED
        else:
            message = v.failure_message
        job = Job.objects.using(db).create(
            kind=VALIDATE, target_type=period_type, target_id=v.period_id,
            status="failed" if interrupted else v.status,
            done=v.session_count if finished else 0, total=v.session_count,
            message=message,
            result={
                "session_count": v.session_count, "error_count": v.error_count,
                "warning_count": v.warning_count,
            } if finished else {},
            requested_by_id=v.requested_by_id, created_at=v.created_at,
            started_at=v.started_at, heartbeat_at=last,
            finished_at=v.finished_at or (now if interrupted else None),
        )
        PeriodValidation.objects.using(db).filter(pk=v.pk).update(job=job)


def backward(apps, schema_editor):
    db = schema_editor.connection.alias
    Job = apps.get_model("jobs", "Job")
    RosterPeriod = apps.get_model("rostering", "RosterPeriod")
    PeriodValidation = apps.get_model("rostering", "PeriodValidation")
    if not Job.objects.using(db).filter(kind__in=[GENERATE, VALIDATE]).exists():
        return
    period_type = _period_type(apps, db)
    of_periods = Job.objects.using(db).filter(target_type=period_type)

    latest = {}
    generated_at = {}
    for job in of_periods.filter(kind=GENERATE).order_by("created_at", "pk").iterator():
        latest[job.target_id] = job
        if job.status == "done":
            generated_at[job.target_id] = job.finished_at
    for period_id, job in latest.items():
        RosterPeriod.objects.using(db).filter(pk=period_id).update(
            generation_status=job.status, generation_done=job.done,
            generation_total=job.total, generation_message=job.message[:255],
            generation_updated_at=job.heartbeat_at, generated_at=generated_at.get(period_id),
        )

    reported = dict(
        PeriodValidation.objects.using(db)
        .filter(job__isnull=False)
        .values_list("job_id", "pk")
    )
    periods = set(RosterPeriod.objects.using(db).values_list("pk", flat=True))
    for job in of_periods.filter(kind=VALIDATE).order_by("pk").iterator():
        values = {
            "status": job.status, "requested_by_id": job.requested_by_id,
            "started_at": job.started_at, "finished_at": job.finished_at,
            "failure_message": job.message if job.status == "failed" else "",
        }
        if job.pk in reported:
            PeriodValidation.objects.using(db).filter(pk=reported[job.pk]).update(**values)
        elif job.target_id in periods:
            # A run without a report (queued, running or failed): a row of its own again.
            row = PeriodValidation.objects.using(db).create(
                period_id=job.target_id, job=job, session_count=job.total, **values
            )
            reported[job.pk] = row.pk
        PeriodValidation.objects.using(db).filter(pk=reported.get(job.pk)).update(
            created_at=job.created_at
        )
    # Back in the columns: the jobs go (migrating forward again re-creates them).
    PeriodValidation.objects.using(db).update(job=None)
    of_periods.filter(kind__in=[GENERATE, VALIDATE]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('jobs', '0001_initial'),
        ('rostering', '0005_periodvalidation_job'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
