"""Everything time-driven, run every minute by the worker (or once by ``manage.py tick``).

Every step is safe to repeat and to run in two processes at once: state moves use conditional
updates, reminders have unique keys, and emails are claimed before they are sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone

from milepost.billing.services import invoices_announce_overdue
from milepost.core import clock
from milepost.core.idempotency import idempotency_keys_purge
from milepost.forecast.services import refresh_stale
from milepost.reviews.services import run_due_work

from . import delivery, reminders
from .recovery import recover_stalled_tasks

logger = logging.getLogger(__name__)

#: Steps of apps above notify, named once at start-up (``IntegrationsConfig.ready``) so that the
#: scheduler runs them without importing them. Each takes ``now`` and answers counts to report.
Step = Callable[[dt.datetime], dict[str, int]]
_extra_steps: list[Step] = []


def step_register(step: Step) -> None:
    """Run ``step(now)`` at every tick, after the steps of notify and the apps below it."""
    if step not in _extra_steps:
        _extra_steps.append(step)


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or clock.now()
    work = run_due_work(now)
    report = {
        "auto_approved": work.auto_approved,
        "closed": work.closed,
        "prepayments_released": work.released,
        "review_reminders": reminders.review_reminders(now),
        "due_reminders": reminders.due_reminders(now),
        "invoice_reminders": reminders.invoice_reminders(now),
        "support_reminders": reminders.support_window_reminders(now),
        # Today moves forecasts: each project's is recomputed once a day (and when marked stale).
        "forecasts_refreshed": refresh_stale(today=timezone.localdate(now)),
        "invoices_overdue": invoices_announce_overdue(timezone.localdate(now)),
        "idempotency_keys_expired": idempotency_keys_purge(now),
    }
    for step in list(_extra_steps):
        report.update(step(now))
    report.update({f"emails_{k}": v for k, v in delivery.send_due().items()})
    report.update({f"tasks_{k}": v for k, v in recover_stalled_tasks().items()})
    return report
