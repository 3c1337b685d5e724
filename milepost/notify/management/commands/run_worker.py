"""The background worker: runs queued tasks, and the scheduler every minute."""

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from milepost.notify.recovery import recover_stalled_tasks
from milepost.notify.scheduler import tick

logger = logging.getLogger(__name__)


def _scheduler(stop: threading.Event, interval: int) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            report = tick()
            if any(report.values()):
                logger.info("Scheduler: %s", report)
        except Exception:
            logger.exception("Scheduler run failed; trying again at the next interval")
        finally:
            close_old_connections()
        stop.wait(interval)


class Command(BaseCommand):
    help = "Run background tasks and, every minute, the scheduler (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run tasks (when another process runs the scheduler).",
        )

    def handle(self, *args, no_scheduler=False, **options):
        # Rows a killed worker left RUNNING (the scheduler also looks every interval).
        recovered = recover_stalled_tasks()
        self.stdout.write(
            f"Tasks left running by a stopped worker: requeued {recovered['requeued']}, "
            f"failed {recovered['failed']}."
        )
        stop = threading.Event()
        if not no_scheduler:
            thread = threading.Thread(
                target=_scheduler,
                name="scheduler",
                daemon=True,
                args=(stop, settings.SCHEDULER_INTERVAL_SECONDS),
            )
            thread.start()
            self.stdout.write(f"Scheduler runs every {settings.SCHEDULER_INTERVAL_SECONDS} s.")
        try:
            call_command("db_worker", "--interval", "1", "--no-startup-delay")
        finally:
            stop.set()
