from django.core.management.base import BaseCommand, CommandError

from milepost.audit.verify import verify_chains


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit 1 at the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", type=int, help="Check one organisation's chain.")

    def handle(self, *args, organisation=None, **options):
        report = verify_chains(organisation_id=organisation)
        if not report.ok:
            where = f"event {report.broken_event_id}" if report.broken_event_id else "the end"
            raise CommandError(
                f"Audit chain {report.broken_chain} is broken at {where}: {report.reason} "
                f"({report.checked} events verified before it).",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {report.checked} events checked.")
        )
