from django.core.management.base import BaseCommand

from jobs.services import jobs_sweep


class Command(BaseCommand):
    help = (
        "Send again background jobs the workers do not have: queued ones never sent (the "
        "broker was down) and lost ones (their worker died). Safe to run every minute (cron)."
    )

    def handle(self, *args, **options):
        sent = jobs_sweep()
        self.stdout.write(f"Sent {len(sent)} job{'s' if len(sent) != 1 else ''}.")
