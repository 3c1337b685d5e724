from django.core.management.base import BaseCommand

from milepost.reviews.services import run_due_work


class Command(BaseCommand):
    help = "Run all due time-based work once (auto-approvals, end of support windows). Idempotent."

    def handle(self, *args, **options):
        report = run_due_work()
        self.stdout.write(
            f"Auto-approved {report.auto_approved} milestone(s); "
            f"closed {report.closed} support window(s)."
        )
