from django.core.management.base import BaseCommand

from milepost.notify.scheduler import tick


class Command(BaseCommand):
    help = (
        "Run all due time-based work once: auto-approvals, support windows, paid prepayments, "
        "reminders and emails waiting to be (re)sent. Safe to run again, or from cron."
    )

    def handle(self, *args, **options):
        report = tick()
        self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in report.items()))
