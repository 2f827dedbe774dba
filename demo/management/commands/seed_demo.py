"""`manage.py seed_demo [--scale normal|large]`: believable demo data, idempotent and fast."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from demo import seed as demo


class Command(BaseCommand):
    help = (
        "Seed demo data: regions, sites, workers, clients, agreements, group programs and a "
        "base roster of sessions, published roster periods over this week and next, a few "
        "live sessions, plus the demo logins admin/scheduler/coordinator "
        "(password = username). Safe to run again: existing data is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=("normal", "large"), default="normal",
            help="normal: ~60 workers, ~120 clients, ~150 sessions (default); "
                 "large: 1,000 workers, 2,500 clients, ~15,000 sessions a week.",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED,
            help="Random seed; the same seed and date give the same data.",
        )
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
            help="Seed as if today were this date (default: today's date).",
        )
        parser.add_argument(
            "--no-logins", action="store_true",
            help="Do not create the demo logins.",
        )

    def handle(self, *args, scale, seed, no_logins, today=None, **options):
        try:
            report = demo.seed_demo(scale=scale, seed=seed, today=today, logins=not no_logins)
        except demo.DemoLoginsRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
