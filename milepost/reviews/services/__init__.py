"""Every write of the review cycle. Views, the API and the scheduler call these functions."""

from .approval import milestone_approve, milestone_auto_approve
from .changes import milestone_grant_revision, milestone_request_changes
from .delivery import current_delivery, milestone_deliver
from .hold import Moved, deadlines_moved_by_resume, project_resume_and_shift_clocks
from .prepayment import (
    milestone_prepayment_received,
    milestone_prepayment_reversed,
    milestone_release_prepaid,
    payment_record_and_release,
    payment_reverse_and_hold,
    stripe_webhook_handle_and_release,
)
from .start import milestone_start, start_refusal
from .support import (
    milestone_close,
    support_request_file,
    support_request_resolve,
    support_window_refusal,
)
from .thread import comment_add
from .time import TickReport, run_due_work
from .verdicts import checklist, deliverable_verdict

__all__ = [
    "Moved",
    "TickReport",
    "checklist",
    "comment_add",
    "current_delivery",
    "deadlines_moved_by_resume",
    "deliverable_verdict",
    "milestone_approve",
    "milestone_auto_approve",
    "milestone_close",
    "milestone_deliver",
    "milestone_grant_revision",
    "milestone_prepayment_received",
    "milestone_prepayment_reversed",
    "milestone_release_prepaid",
    "milestone_request_changes",
    "milestone_start",
    "payment_record_and_release",
    "payment_reverse_and_hold",
    "project_resume_and_shift_clocks",
    "run_due_work",
    "start_refusal",
    "stripe_webhook_handle_and_release",
    "support_request_file",
    "support_request_resolve",
    "support_window_refusal",
]
