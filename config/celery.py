import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("carewfm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# `celery -A config beat`: every minute, send again the jobs the workers do not have (queued
# while the broker was down, or lost with a worker that died). `manage.py sweep_jobs` from
# cron does the same where no beat runs.
app.conf.beat_schedule = {
    "sweep-jobs": {"task": "jobs.tasks.sweep_jobs", "schedule": 60.0},
}
