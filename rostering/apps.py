from django.apps import AppConfig


class RosteringConfig(AppConfig):
    name = "rostering"
    verbose_name = "Rostering"

    def ready(self):
        # The task that runs each kind of job, for the sweep that re-sends unsent/lost jobs.
        from jobs.registry import job_kind_register

        from . import tasks
        from .models import JOB_GENERATE, JOB_VALIDATE

        job_kind_register(kind=JOB_GENERATE, task=tasks.generation_job)
        job_kind_register(kind=JOB_VALIDATE, task=tasks.validation_job)
