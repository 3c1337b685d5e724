"""Reads about plans, always through the eyes of a user: visibility is decided here
(``common.visible_to``, the one visibility filter)."""

from .change_orders import (
    change_order_get,
    change_order_request_get,
    change_order_requests_asked_by,
    change_order_requests_of,
    change_order_summary,
    change_orders_of,
    change_orders_open_first,
    change_orders_to_answer,
    open_change_order_requests,
    original_total,
)
from .common import visible_to
from .milestones import milestone_get, plans_as_seen, plans_of
from .projects import (
    PROJECT_ORDERINGS,
    access_get,
    as_seen_by,
    plan_versions,
    project_access_get,
    project_access_list,
    project_counts_by_status,
    project_events,
    project_get,
    projects_visible_to,
    proposed_plans,
    with_approved_budget,
    with_next_milestone,
)
from .templates import template_get, templates_for
from .versions import (
    VersionDiff,
    VersionReading,
    plan_version_diff,
    plan_version_get,
    plan_version_history,
    plan_version_read,
)

__all__ = [
    "PROJECT_ORDERINGS",
    "VersionDiff",
    "VersionReading",
    "access_get",
    "as_seen_by",
    "change_order_get",
    "change_order_request_get",
    "change_order_requests_asked_by",
    "change_order_requests_of",
    "change_order_summary",
    "change_orders_of",
    "change_orders_open_first",
    "change_orders_to_answer",
    "milestone_get",
    "open_change_order_requests",
    "original_total",
    "plan_version_diff",
    "plan_version_get",
    "plan_version_history",
    "plan_version_read",
    "plan_versions",
    "plans_as_seen",
    "plans_of",
    "project_access_get",
    "project_access_list",
    "project_counts_by_status",
    "project_events",
    "project_get",
    "projects_visible_to",
    "proposed_plans",
    "template_get",
    "templates_for",
    "visible_to",
    "with_approved_budget",
    "with_next_milestone",
]
