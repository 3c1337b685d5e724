"""``manage.py forecast_refresh [--project N]``: recompute the stored forecasts now."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from milepost.forecast import services
from milepost.plans.models import Project


class Command(BaseCommand):
    help = (
        "Recompute the stored forecasts of every active and on-hold project (or of one), as "
        "the scheduler does each day; the forecasts of projects that ended are dropped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", type=int, help="Only this project (its id).")

    def handle(self, *args, project: int | None = None, **options):
        started = time.monotonic()
        if project is not None:
            if not Project.objects.filter(pk=project).exists():
                raise CommandError(f"There is no project {project}.")
            found = services.refresh(project)
            said = "refreshed" if found else "has no forecast (it is not active or on hold)"
            self.stdout.write(f"Project {project} {said}.")
            return
        count = services.refresh_all()
        seconds = time.monotonic() - started
        self.stdout.write(f"Refreshed the forecasts of {count} projects in {seconds:.1f} s.")
