"""A task for the worker tests: the first run hangs (until the worker is killed), later runs
finish at once. Imported by the real worker process by its path."""

import time
from pathlib import Path

from django_tasks import task


@task()
def hang_the_first_time(marker: str) -> str:
    path = Path(marker)
    if not path.exists():
        path.write_text("started")
        time.sleep(120)
    return "finished"
