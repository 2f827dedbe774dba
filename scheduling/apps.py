from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        # The task that runs each kind of job, for the sweep that re-sends unsent/lost jobs.
        from jobs.registry import job_kind_register

        from . import tasks
        from .models import JOB_ROSTER

        job_kind_register(kind=JOB_ROSTER, task=tasks.roster_job)
