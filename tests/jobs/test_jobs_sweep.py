"""The sweep (jobs.services.jobs_sweep, `manage.py sweep_jobs`, beat every minute): it sends
queued jobs whose task never reached the broker, and lost jobs (their worker died); it leaves
alone jobs sent or heard from recently, and sends each job once even when run twice."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from config.celery import app
from jobs import registry
from jobs.models import STALE_AFTER, Job
from jobs.services import job_claim, job_finish, job_progress, job_start, jobs_sweep
from jobs.tasks import sweep_jobs
from rostering.models import JOB_GENERATE, JOB_VALIDATE
from scheduling.models import JOB_ROSTER
from tests.jobs.test_jobs import FakeTask

pytestmark = pytest.mark.django_db
KIND = "test.sweep"


@pytest.fixture
def task():
    task = FakeTask()
    registry.job_kind_register(kind=KIND, task=task)
    yield task
    registry._TASKS.pop(KIND, None)


@pytest.fixture
def users(django_user_model):
    return [django_user_model.objects.create_user(f"t{i}") for i in range(5)]


def aged(job, **deltas):
    """Move the job's times back: created/heartbeat/sent = now - delta."""
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(**{k: now - d for k, d in deltas.items()})


def test_the_sweep_sends_unsent_and_lost_jobs_only(task, users):
    minute = datetime.timedelta(minutes=1)
    unsent = job_claim(kind=KIND, target=users[0])  # the broker was down a minute ago
    aged(unsent, created_at=minute, heartbeat_at=minute)
    job_claim(kind=KIND, target=users[1])  # its on_commit send may be under way
    sent = job_claim(kind=KIND, target=users[2])  # sent, waiting in the queue
    aged(sent, created_at=minute, heartbeat_at=minute, sent_at=minute)
    lost = job_claim(kind=KIND, target=users[3])  # running, its worker died
    job_start(job_id=lost.pk)
    job_progress(job_id=lost.pk, done=3, total=10)
    aged(lost, created_at=STALE_AFTER * 2, heartbeat_at=STALE_AFTER + minute,
         sent_at=STALE_AFTER * 2)
    finished = job_claim(kind=KIND, target=users[4])
    job_finish(job_id=finished.pk)
    aged(finished, created_at=STALE_AFTER * 2, heartbeat_at=STALE_AFTER * 2)

    assert sorted(jobs_sweep()) == sorted([unsent.pk, lost.pk])
    assert sorted(task.sent) == sorted([unsent.pk, lost.pk])
    for job in (unsent, lost):
        job.refresh_from_db()
        assert job.sent_at is not None and not job.stale and job.busy
    lost.refresh_from_db()
    assert (lost.status, lost.done) == ("running", 3)  # the same job, carried on by the task
    # A second sweep (the next minute, or cron and beat at once): nothing is sent twice.
    assert jobs_sweep() == []
    assert len(task.sent) == 2


def test_a_sweep_while_the_broker_is_still_down_leaves_jobs_for_the_next(task, users):
    unsent = job_claim(kind=KIND, target=users[0])
    aged(unsent, created_at=datetime.timedelta(minutes=5), heartbeat_at=datetime.timedelta(
        minutes=5))
    task.error = KombuOperationalError("Error 111 connecting to 127.0.0.1:6399.")
    assert jobs_sweep() == []
    unsent.refresh_from_db()
    assert unsent.unsent and unsent.status == "queued"
    task.error = None  # the broker is back
    assert jobs_sweep() == [unsent.pk]
    assert task.sent == [unsent.pk]


def test_a_kind_nobody_registered_is_left_alone(users):
    job = job_claim(kind="test.nobody", target=users[0])
    aged(job, created_at=datetime.timedelta(minutes=5))
    assert jobs_sweep() == []
    job.refresh_from_db()
    assert job.unsent


def test_the_apps_register_their_kinds():
    names = {k: registry.task_for(k).name for k in (JOB_GENERATE, JOB_VALIDATE, JOB_ROSTER)}
    assert names == {
        JOB_GENERATE: "rostering.tasks.generation_job",
        JOB_VALIDATE: "rostering.tasks.validation_job",
        JOB_ROSTER: "scheduling.tasks.roster_job",
    }


def test_the_command_and_the_beat_schedule(task, users):
    job = job_claim(kind=KIND, target=users[0])
    aged(job, created_at=datetime.timedelta(minutes=5))
    out = io.StringIO()
    call_command("sweep_jobs", stdout=out)
    assert out.getvalue().strip() == "Sent 1 job." and task.sent == [job.pk]
    entry = app.conf.beat_schedule["sweep-jobs"]
    assert entry["task"] == "jobs.tasks.sweep_jobs" and entry["schedule"] == 60.0
    assert sweep_jobs.name == "jobs.tasks.sweep_jobs"  # what beat sends, by name
