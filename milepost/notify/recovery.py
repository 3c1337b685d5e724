"""Task rows left ``RUNNING`` by a worker that died (killed, out of memory, the machine gone).

django-tasks-db marks a row ``RUNNING`` when a worker claims it and only that worker finishes it;
if the worker dies, nothing ever would. A row running longer than ``TASK_LEASE_SECONDS`` is put
back in the queue, or failed with the reason once ``TASK_MAX_ATTEMPTS`` workers have claimed it.
Our tasks are safe to run again (an email is claimed in its own row before it is sent).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django_tasks_db.models import DBTaskResult

from milepost.core import clock

logger = logging.getLogger(__name__)

RUNNING, READY, FAILED = "RUNNING", "READY", "FAILED"


class WorkerLost(Exception):
    """The worker running the task stopped before recording how it ended."""


def recover_stalled_tasks(now: dt.datetime | None = None) -> dict[str, int]:
    """Requeue (or fail) every task row running longer than the lease; safe to run anywhere,
    any number of times: each row moves with a conditional update on the claim it had."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    stalled = DBTaskResult.objects.filter(status=RUNNING, started_at__lt=cutoff)
    for pk, started_at, worker_ids, task_path in stalled.values_list(
        "pk", "started_at", "worker_ids", "task_path"
    ):
        same_claim = DBTaskResult.objects.filter(pk=pk, status=RUNNING, started_at=started_at)
        if len(worker_ids) >= settings.TASK_MAX_ATTEMPTS:
            reason = (
                f"{WorkerLost.__name__}: {len(worker_ids)} workers started this task and none "
                f"finished it (the last one stopped more than {settings.TASK_LEASE_SECONDS} s "
                "after it started). Not tried again."
            )
            moved = same_claim.update(
                status=FAILED,
                finished_at=now,
                exception_class_path=f"{__name__}.{WorkerLost.__name__}",
                traceback=reason,
            )
            kind = "failed"
        else:
            moved = same_claim.update(status=READY)
            kind = "requeued"
        if moved:
            counts[kind] += 1
            logger.warning(
                "Task %s (%s) was left running by a worker since %s: %s",
                pk,
                task_path,
                started_at.isoformat(),
                kind,
            )
    return counts
