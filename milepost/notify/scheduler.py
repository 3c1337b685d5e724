"""Everything time-driven, run every minute by the worker (or once by ``manage.py tick``).

Every step is safe to repeat and to run in two processes at once: state moves use conditional
updates, reminders have unique keys, and emails are claimed before they are sent.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from milepost.core import clock
from milepost.core.idempotency import idempotency_keys_purge
from milepost.forecast.services import refresh_stale
from milepost.reviews.services import run_due_work

from . import delivery, reminders
from .recovery import recover_stalled_tasks

logger = logging.getLogger(__name__)


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
        "idempotency_keys_expired": idempotency_keys_purge(now),
    }
    report.update({f"emails_{k}": v for k, v in delivery.send_due().items()})
    report.update({f"tasks_{k}": v for k, v in recover_stalled_tasks().items()})
    return report
