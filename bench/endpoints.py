"""The endpoints ``make bench`` measures. Later issues add theirs here, and nowhere else.

Each entry: (label, path, auth) or (label, path, auth, target p95 in ms) when the endpoint has
a target of its own (the others: ``--target-p95-ms``, 50 ms). ``auth`` is "session" (logged-in
browser cookie of the bench owner), "token" (``Authorization: Bearer`` API token of the bench
owner), "session-large" and "token-large" (the same for the owner of the organisation with
2,000 active projects, ``bench-large@milepost.example``) or None (anonymous).
``/healthz`` always runs first: it is the baseline for the "% of /healthz" column.
"""

ENDPOINTS: list[tuple] = [
    ("dashboard", "/", "session"),
    ("clients list page", "/clients/", "session"),
    ("API clients list", "/api/v1/clients/", "token"),
    ("projects list page", "/projects/", "session"),
    ("project page", "/projects/{project}/", "session"),
    ("API projects list", "/api/v1/projects/", "token"),
    ("API project", "/api/v1/projects/{project}/", "token"),
    ("milestone page", "/milestones/{milestone}/", "session"),
    ("API milestone", "/api/v1/milestones/{milestone}/", "token"),
    ("invoices list page", "/invoices/", "session"),
    ("API invoices list", "/api/v1/invoices/", "token"),
    # Issue 13: the project above has 10 plan versions and 10 change orders.
    ("API change orders", "/api/v1/projects/{project}/change-orders/", "token"),
    ("plan versions page", "/projects/{project}/versions/", "session"),
    ("version page", "/projects/{project}/versions/10/", "session"),
    ("API version diff", "/api/v1/projects/{project}/plan-versions/10/diff/?against=1", "token"),
    # Issue 14: the same project's timeline (ten change orders' waits) and payment schedule.
    ("timeline page", "/projects/{project}/timeline/", "session"),
    ("API timeline", "/api/v1/projects/{project}/timeline/", "token"),
    ("API payment schedule", "/api/v1/projects/{project}/payment-schedule/", "token"),
    # Issue 14: the organisation's cash flow, for the bench owner (40 active projects) and for
    # the large organisation (2,000 active projects, 10,000 stored milestone forecasts).
    ("cash-flow page", "/cash-flow/", "session"),
    ("API cash flow", "/api/v1/cash-flow/", "token"),
    ("cash-flow page, 2,000 projects", "/cash-flow/", "session-large", 150),
    ("API cash flow, 2,000 projects", "/api/v1/cash-flow/", "token-large", 150),
    ("API cash flow by week, 2,000", "/api/v1/cash-flow/?interval=week", "token-large", 150),
]

#: Placeholders in paths, filled with ids of the bench owner's data before the run:
#: {project} is their newest active project, {milestone} its milestone in review.
IDS_QUERY = """
import json
from milepost.plans.models import Milestone
owner = "bench@milepost.example"
m = (Milestone.objects.filter(project__organisation__memberships__user__email=owner,
     project__status="active", status="in_review").order_by("-project__created_at").first())
print(json.dumps({"project": m.project_id, "milestone": m.pk}))
"""
