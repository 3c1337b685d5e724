"""Every write about plans. Views, the API, the admin and commands call these functions."""

from .access import (
    contact_remove,
    project_access_change,
    project_access_grant,
    project_access_remove,
    sole_approver_projects,
)
from .change_orders import (
    change_order_create,
    change_order_decline,
    change_order_delete,
    change_order_input_errors,
    change_order_outcome,
    change_order_propose,
    change_order_rebase,
    change_order_request_decline,
    change_order_request_file,
    change_order_revise,
    change_order_update,
    change_order_withdraw,
    pending_refusal,
)
from .milestones import milestone_add, milestone_move, milestone_remove, milestone_update
from .projects import PROJECT_FIELDS, project_create, project_update
from .proposal import (
    plan_accept,
    plan_decline,
    plan_problems,
    plan_propose,
    plan_withdraw,
    project_complete,
)
from .status import project_cancel, project_delete, project_hold, project_resume
from .templates import (
    template_definition,
    template_delete,
    template_save_from_project,
    template_update,
)

__all__ = [
    "PROJECT_FIELDS",
    "change_order_create",
    "change_order_decline",
    "change_order_delete",
    "change_order_input_errors",
    "change_order_outcome",
    "change_order_propose",
    "change_order_rebase",
    "change_order_request_decline",
    "change_order_request_file",
    "change_order_revise",
    "change_order_update",
    "change_order_withdraw",
    "contact_remove",
    "milestone_add",
    "milestone_move",
    "milestone_remove",
    "milestone_update",
    "pending_refusal",
    "plan_accept",
    "plan_decline",
    "plan_problems",
    "plan_propose",
    "plan_withdraw",
    "project_access_change",
    "project_access_grant",
    "project_access_remove",
    "project_cancel",
    "project_complete",
    "project_create",
    "project_delete",
    "project_hold",
    "project_resume",
    "project_update",
    "sole_approver_projects",
    "template_definition",
    "template_delete",
    "template_save_from_project",
    "template_update",
]
