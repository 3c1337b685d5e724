"""A task row left RUNNING by a worker that died is recovered: requeued after a lease, failed
after too many attempts; on worker start and by the scheduler."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from milepost.core import clock
from milepost.notify.recovery import recover_stalled_tasks
from milepost.notify.scheduler import tick

from .worker_tasks import hang_the_first_time

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_BACKEND
    settings.TASK_LEASE_SECONDS = 300
    settings.TASK_MAX_ATTEMPTS = 3
    return settings


def running(marker: str = "/nonexistent", *, minutes_ago: float, workers: int = 1) -> DBTaskResult:
    """A task claimed by ``workers`` workers in turn, the last one ``minutes_ago``."""
    result = hang_the_first_time.enqueue(marker)
    row = DBTaskResult.objects.get(pk=result.id)
    for n in range(workers):
        row.claim(f"worker-{n}")
    started = clock.now() - dt.timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=started)
    row.refresh_from_db()
    return row


def test_a_task_running_longer_than_the_lease_is_requeued(db, db_tasks):
    stalled = running(minutes_ago=6)
    assert recover_stalled_tasks() == {"requeued": 1, "failed": 0}
    stalled.refresh_from_db()
    assert stalled.status == "READY"
    assert DBTaskResult.objects.ready().filter(pk=stalled.pk).exists()  # a worker will take it
    assert stalled.worker_ids == ["worker-0"]  # the history of who tried stays


def test_a_task_within_its_lease_and_other_states_are_left_alone(db, db_tasks):
    busy = running(minutes_ago=4)
    waiting = DBTaskResult.objects.get(pk=hang_the_first_time.enqueue("/x").id)
    done = running(minutes_ago=60)
    done.set_successful("finished")
    assert recover_stalled_tasks() == {"requeued": 0, "failed": 0}
    for row, status in ((busy, "RUNNING"), (waiting, "READY"), (done, "SUCCESSFUL")):
        row.refresh_from_db()
        assert row.status == status


def test_a_task_that_took_down_every_worker_it_ran_on_is_failed_with_the_reason(db, db_tasks):
    stalled = running(minutes_ago=10, workers=3)
    assert recover_stalled_tasks() == {"requeued": 0, "failed": 1}
    stalled.refresh_from_db()
    assert stalled.status == "FAILED"
    assert stalled.finished_at is not None
    assert stalled.exception_class_path == "milepost.notify.recovery.WorkerLost"
    assert "3 workers" in stalled.traceback


def test_recovery_runs_twice_without_doing_anything_twice(db, db_tasks):
    running(minutes_ago=6)
    assert recover_stalled_tasks()["requeued"] == 1
    assert recover_stalled_tasks()["requeued"] == 0


def test_the_scheduler_recovers_stalled_tasks(db, db_tasks):
    stalled = running(minutes_ago=6)
    report = tick()
    assert report["tasks_requeued"] == 1
    stalled.refresh_from_db()
    assert stalled.status == "READY"


# --- with a real worker process, killed with SIGKILL ----------------------------------------------


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def start_worker(tmp_path: Path, name: str, *args: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "MILEPOST_VAR_DIR": str(tmp_path / "var"),
        "SCHEDULER_INTERVAL_SECONDS": "3600",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", *args],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_task_left_running_by_a_killed_worker_is_run_again_by_the_next_worker(
    transactional_db, db_tasks, tmp_path
):
    marker = tmp_path / "started"
    result = hang_the_first_time.enqueue(str(marker))
    row = DBTaskResult.objects.filter(pk=result.id)

    first = start_worker(tmp_path, "first")
    try:
        wait_for(marker.exists)
        wait_for(lambda: row.get().status == "RUNNING")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    time.sleep(1.5)
    assert row.get().status == "RUNNING"  # what the killed worker left behind

    # Without the scheduler: the worker recovers the row as it starts.
    second = start_worker(tmp_path, "second", "--no-scheduler", TASK_LEASE_SECONDS="1")
    try:
        wait_for(lambda: row.get().status == "SUCCESSFUL")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    finished = row.get()
    assert finished.return_value == "finished"
    assert len(finished.worker_ids) == 2
    assert "requeued 1" in (tmp_path / "second.log").read_text()
