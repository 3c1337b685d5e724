"""Every URL and every kind of user → the expected status.

A URL pattern without a row here fails ``test_every_url_has_a_row``, so new endpoints must
declare who may reach them. Statuses follow PRODUCT.md: invisible → 404, visible but not
allowed → 403, anonymous → 302 to the login page (web) or 401 (API).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from milepost.accounts import services
from milepost.accounts.models import Invitation, Membership
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone
from milepost.reviews import services as reviews
from milepost.reviews.models import Attachment, SupportRequest

ROLES = ("anonymous", "owner", "manager", "member", "contact", "outsider")
AGENCY = {"owner", "manager", "member"}
# Django's admin has its own staff-only permission system and is tested by Django.
EXCLUDED_NAMESPACES = {"admin"}


@dataclass
class Row:
    name: str
    method: str
    expect: dict[str, int]
    args: Any = None  # callable(world) -> list of URL args
    data: Any = None  # callable(world, role) -> request body
    api: bool = False
    extra: dict = field(default_factory=dict)


def expect(default: int, **overrides: int) -> dict[str, int]:
    statuses = dict.fromkeys(ROLES, default)
    statuses.update(overrides)
    return statuses


def web(default: int, **overrides: int) -> dict[str, int]:
    """Logged-in users get ``default``; anonymous users are sent to log in."""
    return expect(default, anonymous=302, **overrides)


def api(default: int, **overrides: int) -> dict[str, int]:
    return expect(default, anonymous=401, **overrides)


def client_id(w):
    return [w.client.pk]


def member_membership(w):
    return [Membership.objects.get(user=w.member).pk]


def owner_token(w):
    token, _raw = services.api_token_create(user=w.owner, name="matrix", actor=w.owner)
    return [token.pk]


def fresh_invitation(w):
    raw = "matrix-invitation-token"
    invitee = type(w.owner).objects.create_user(email="invitee@example.com")
    Invitation.objects.create(
        user=invitee,
        organisation=w.organisation,
        token_hash=services.hash_token(raw),
        expires_at=clock.now() + dt.timedelta(days=7),
    )
    return [raw]


def new_client(w, role):
    return {"name": f"New client for {role}", "country": "FR"}


def _project(w, *, proposed: bool = False):
    """A project from the website-cms template; the client contact is its approver."""
    project = plans.project_create(
        organisation=w.organisation,
        client=w.client,
        actor=w.owner,
        name="Matrix shop",
        currency="EUR",
        total_budget="10000.00",
        start_date="2027-01-04",
        template="website-cms",
    )
    plans.project_access_grant(
        project=project, email=w.contact.email, role="approver", actor=w.owner
    )
    if proposed:
        plans.plan_propose(project=project, actor=w.owner)
    return project


def draft(w):
    return [_project(w).pk]


def proposed(w):
    return [_project(w, proposed=True).pk]


def draft_milestone(w):
    project = _project(w)
    return [project.pk, project.milestones.order_by("position").first().pk]


def milestone_only(w):
    return [draft_milestone(w)[1]]


def org_template(w):
    project = _project(w)
    return [plans.template_save_from_project(project=project, name="Ours", actor=w.owner).pk]


def new_project(w, role):
    return {
        "client": w.client.pk,
        "name": f"Project of {role}",
        "currency": "EUR",
        "total_budget": "5000.00",
        "start_date": "2027-01-04",
        "template": "website-cms",
    }


MILESTONE_FORM = {
    "m{id}-title": "Renamed",
    "m{id}-budget": "2000.00",
    "m{id}-planned_start": "2027-01-04",
    "m{id}-planned_due": "2027-01-15",
    "m{id}-revision_quota": "2",
    "m{id}-support_window_days": "14",
    "m{id}-billing_trigger": "on_approval",
    "m{id}-d-TOTAL_FORMS": "0",
    "m{id}-d-INITIAL_FORMS": "0",
}


def milestone_form(w, role):
    milestone = Milestone.objects.filter(project__name="Matrix shop").order_by("position").first()
    return {k.format(id=milestone.pk): v for k, v in MILESTONE_FORM.items()}


def new_milestone_form(w, role):
    return {k.replace("m{id}", "new"): v for k, v in MILESTONE_FORM.items()}


def _fresh(milestone):
    return Milestone.objects.select_related("project", "project__organisation").get(pk=milestone.pk)


def _first_milestone(w, stage: str):
    """Milestone 1 of an accepted project, taken to ``stage``."""
    project = _project(w, proposed=True)
    approver = type(w.contact).objects.get(pk=w.contact.pk)
    plans.plan_accept(project=project, actor=approver)
    milestone = project.milestones.order_by("position").first()
    if stage == "planned":
        return milestone
    reviews.milestone_start(milestone=_fresh(milestone), actor=w.owner)
    if stage == "in_progress":
        return milestone
    reviews.milestone_deliver(
        milestone=_fresh(milestone),
        actor=w.owner,
        notes="Ready",
        files=[SimpleUploadedFile("notes.txt", b"release notes")],
    )
    if stage == "in_review":
        return milestone
    reviews.milestone_approve(milestone=_fresh(milestone), actor=approver, accept_open_items=True)
    return milestone


def at(stage: str):
    return lambda w: [_first_milestone(w, stage).pk]


def a_file(w):
    milestone = _first_milestone(w, "in_review")
    return [Attachment.objects.get(milestone=milestone).pk]


def a_deliverable(w):
    return [_first_milestone(w, "in_review").deliverables.first().pk]


def in_review_with_deliverable(w):
    milestone = _first_milestone(w, "in_review")
    return [milestone.pk, milestone.deliverables.first().pk]


def a_support_request(w):
    milestone = _first_milestone(w, "approved")
    return [SupportRequest.objects.filter(milestone=milestone).first().pk]


def milestone_and_support_request(w):
    milestone = _first_milestone(w, "approved")
    return [milestone.pk, SupportRequest.objects.filter(milestone=milestone).first().pk]


def an_invoice(w):
    milestone = _first_milestone(w, "approved")
    return [Invoice.objects.get(milestone=milestone).pk]


def owners_notification(w):
    from milepost.notify.models import Notification

    return [
        Notification.objects.create(
            user=w.owner, category="plan", title="Hello", url="/projects/"
        ).pk
    ]


def owners_unsubscribe_link(w):
    from milepost.notify.services import unsubscribe_token

    return [unsubscribe_token(w.owner, "plan")]


def owners_calendar(w):
    from milepost.notify.services import calendar_feed_of

    return [calendar_feed_of(w.owner).token]


ONLY_OWNER = {"manager": 404, "member": 404, "contact": 404, "outsider": 404}


# Who may do what on a project: the agency's managers edit; its members only read; the
# client's approver answers proposals; a user of another organisation sees nothing.
EDIT = {"member": 403, "contact": 403, "outsider": 404}
ANSWER = {"owner": 403, "manager": 403, "member": 403, "outsider": 404}
SEE = {"outsider": 404}
AGENCY_ACTS = {"contact": 403, "outsider": 404}
CLIENT_ACTS = {"owner": 403, "manager": 403, "member": 403, "outsider": 404}
# A draft never proposed is the agency's alone: its contacts get 404 (more cases, and the plan
# back in draft after a proposal, in tests/plans/test_draft_visibility.py).
DRAFT_EDIT = {**EDIT, "contact": 404}
DRAFT_SEE = {**SEE, "contact": 404}


ROWS = [
    Row("healthz", "get", expect(200)),
    Row("web:login", "get", expect(302, anonymous=200)),
    Row("web:logout", "post", expect(302)),
    Row("web:password_reset", "get", expect(200)),
    Row("web:password_reset_done", "get", expect(200)),
    Row("web:password_reset_confirm", "get", expect(200), args=lambda w: ["MQ", "bad-token"]),
    Row("web:password_reset_complete", "get", expect(200)),
    Row("web:invitation", "get", expect(200), args=fresh_invitation),
    Row("web:switch_organisation", "post", web(302), data=lambda w, r: {"organisation": "1"}),
    Row("web:dashboard", "get", web(200)),
    Row("web:projects", "get", web(200)),
    Row("web:project_new", "get", web(200, member=403, contact=404)),
    Row(
        "web:project_new", "post", web(302, member=403, contact=404, outsider=400), data=new_project
    ),
    Row("web:project_detail", "get", web(200, **SEE), args=proposed),
    Row("web:project_print", "get", web(200, **SEE), args=proposed),
    Row("web:project_propose", "post", web(302, **DRAFT_EDIT), args=draft),
    Row("web:project_withdraw", "post", web(302, **EDIT), args=proposed),
    Row("web:project_accept", "post", web(302, **ANSWER), args=proposed),
    Row(
        "web:project_decline",
        "post",
        web(302, **ANSWER),
        args=proposed,
        data=lambda w, r: {"reason": "Too expensive"},
    ),
    Row(
        "web:project_access",
        "post",
        web(302, **DRAFT_EDIT),
        args=draft,
        data=lambda w, r: {"email": "new-viewer@example.com", "role": "viewer"},
    ),
    Row(
        "web:project_save_template",
        "post",
        web(302, **DRAFT_EDIT),
        args=draft,
        data=lambda w, r: {"name": "Saved"},
    ),
    Row("web:plan_editor", "get", web(200, **DRAFT_EDIT), args=draft),
    Row(
        "web:project_settings",
        "post",
        web(302, **DRAFT_EDIT),
        args=draft,
        data=lambda w, r: {
            "name": "Renamed",
            "total_budget": "10000.00",
            "start_date": "2027-01-04",
            "auto_approve_days": "14",
            "sequential_gating": "on",
        },
    ),
    Row("web:milestone_add", "post", web(302, **DRAFT_EDIT), args=draft, data=new_milestone_form),
    Row(
        "web:milestone_edit",
        "post",
        web(302, **DRAFT_EDIT),
        args=draft_milestone,
        data=milestone_form,
    ),
    Row(
        "web:milestone_move",
        "post",
        web(302, **DRAFT_EDIT),
        args=draft_milestone,
        data=lambda w, r: {"direction": "down"},
    ),
    Row("web:milestone_remove", "get", web(200, **DRAFT_EDIT), args=draft_milestone),
    Row("web:attachment", "get", web(200, **SEE), args=a_file),
    Row("web:milestone_detail", "get", web(200, **SEE), args=at("in_review")),
    Row("web:milestone_start", "post", web(302, **AGENCY_ACTS), args=at("planned")),
    Row(
        "web:milestone_deliver",
        "post",
        web(302, **AGENCY_ACTS),
        args=at("in_progress"),
        data=lambda w, r: {"notes": "Here it is"},
    ),
    Row(
        "web:deliverable_verdict",
        "post",
        web(302, **CLIENT_ACTS),
        args=in_review_with_deliverable,
        data=lambda w, r: {
            "v{id}-status".format(
                id=Milestone.objects.get(project__name="Matrix shop", position=1)
                .deliverables.first()
                .pk
            ): "passed"
        },
    ),
    Row(
        "web:milestone_request_changes",
        "post",
        web(302, **CLIENT_ACTS),
        args=at("in_review"),
        data=lambda w, r: {"feedback": "Please adjust"},
    ),
    Row(
        "web:milestone_approve",
        "post",
        web(302, **CLIENT_ACTS),
        args=at("in_review"),
        data=lambda w, r: {"accept_open_items": "on"},
    ),
    Row(
        "web:milestone_grant_revision",
        "post",
        web(302, **EDIT),
        args=at("in_progress"),
        data=lambda w, r: {"reason": "Goodwill"},
    ),
    Row(
        "web:support_request_file",
        "post",
        web(302, **CLIENT_ACTS),
        args=at("approved"),
        data=lambda w, r: {"description": "Typo in the footer"},
    ),
    Row(
        "web:support_request_resolve",
        "post",
        web(302, **AGENCY_ACTS),
        args=milestone_and_support_request,
        data=lambda w, r: {"resolution": "Fixed"},
    ),
    Row(
        "web:comment_add",
        "post",
        web(302, **SEE),
        args=at("in_progress"),
        data=lambda w, r: {"body": "Looks **good**"},
    ),
    Row("web:invoices", "get", web(200)),
    Row("web:invoice_detail", "get", web(200, **SEE), args=an_invoice),
    Row("web:invoice_pdf", "get", web(200, **SEE), args=an_invoice),
    Row(
        "web:payment_record",
        "post",
        web(302, **EDIT),
        args=an_invoice,
        data=lambda w, r: {"amount": "100.00", "date": "2026-01-05", "method": "bank_transfer"},
    ),
    Row("web:invoice_void", "get", web(200, **EDIT), args=an_invoice),
    Row(
        "web:invoice_checkout",
        "post",
        web(302, owner=403, manager=403, member=403, outsider=404),
        args=an_invoice,
    ),
    Row("web:project_proposal_pdf", "get", web(200, **DRAFT_SEE), args=draft),
    Row("stripe_webhook", "post", expect(404)),
    Row("web:notifications", "get", web(200)),
    Row("web:notification_open", "get", web(302, **ONLY_OWNER), args=owners_notification),
    Row("web:notifications_read_all", "post", web(302)),
    Row("web:notification_preferences", "post", web(302), data=lambda w, r: {"plan": "on"}),
    Row("web:calendar_token", "post", web(302)),
    Row("web:unsubscribe", "get", expect(200), args=owners_unsubscribe_link),
    Row("calendar_feed", "get", expect(200), args=owners_calendar),
    Row("web:templates", "get", web(200, contact=404)),
    Row(
        "web:template_edit",
        "get",
        web(200, member=403, contact=404, outsider=404),
        args=org_template,
    ),
    Row(
        "web:template_delete",
        "get",
        web(200, member=403, contact=404, outsider=404),
        args=org_template,
    ),
    Row("web:clients", "get", web(200, contact=404)),
    Row("web:clients", "post", web(302, member=403, contact=404), data=new_client),
    Row("web:client_detail", "get", web(200, contact=404, outsider=404), args=client_id),
    Row(
        "web:client_detail",
        "post",
        web(302, member=403, contact=404, outsider=404),
        args=client_id,
        data=lambda w, r: {"email": f"{r}-invitee@example.com", "name": "Invitee"},
    ),
    Row(
        "web:client_edit",
        "get",
        web(200, member=403, contact=404, outsider=404),
        args=client_id,
    ),
    Row("web:members", "get", web(200, contact=404)),
    Row(
        "web:member_role",
        "post",
        web(302, manager=403, member=403, contact=404, outsider=404),
        args=member_membership,
        data=lambda w, r: {"role": "manager"},
    ),
    Row(
        "web:member_remove",
        "get",
        web(200, manager=403, member=403, contact=404, outsider=404),
        args=member_membership,
    ),
    Row("web:settings", "get", web(200)),
    Row("web:settings_profile", "post", web(302), data=lambda w, r: {"name": "New Name"}),
    Row("web:settings_password", "get", web(200)),
    Row("web:settings_organisation", "get", web(200, manager=403, member=403, contact=404)),
    Row("web:token_create", "post", web(200), data=lambda w, r: {"name": "laptop"}),
    Row("web:token_revoke", "get", web(404, owner=200), args=owner_token),
    Row("api:me", "get", api(200), api=True),
    Row("api:schema", "get", expect(200), api=True),
    Row("api:docs", "get", expect(200), api=True),
    Row("api:client-list", "get", api(200), api=True),
    Row(
        "api:client-list",
        "post",
        api(201, member=403, contact=403),
        data=new_client,
        api=True,
    ),
    Row("api:client-detail", "get", api(200, contact=404, outsider=404), args=client_id, api=True),
    Row(
        "api:client-detail",
        "patch",
        api(200, member=403, contact=404, outsider=404),
        args=client_id,
        data=lambda w, r: {"vat_id": "IE999"},
        api=True,
    ),
    Row("api:templates", "get", api(200), api=True),
    Row("api:project-list", "get", api(200), api=True),
    Row(
        "api:project-list",
        "post",
        api(201, member=403, contact=403, outsider=400),
        data=new_project,
        api=True,
    ),
    Row("api:project-detail", "get", api(200, **DRAFT_SEE), args=draft, api=True),
    Row(
        "api:project-detail",
        "patch",
        api(200, **DRAFT_EDIT),
        args=draft,
        data=lambda w, r: {"name": "Renamed"},
        api=True,
    ),
    Row(
        "api:project-access",
        "post",
        api(201, **DRAFT_EDIT),
        args=draft,
        data=lambda w, r: {"email": "viewer2@example.com", "role": "viewer"},
        api=True,
    ),
    Row("api:project-milestones", "get", api(200, **DRAFT_SEE), args=draft, api=True),
    Row(
        "api:project-milestones",
        "post",
        api(201, **DRAFT_EDIT),
        args=draft,
        api=True,
        data=lambda w, r: {
            "title": "Extra",
            "budget": "100.00",
            "planned_start": "2027-06-01",
            "planned_due": "2027-06-04",
        },
    ),
    Row("api:project-propose", "post", api(200, **DRAFT_EDIT), args=draft, api=True),
    Row("api:project-withdraw", "post", api(200, **EDIT), args=proposed, api=True),
    Row("api:project-accept", "post", api(200, **ANSWER), args=proposed, api=True),
    Row(
        "api:project-decline",
        "post",
        api(200, **ANSWER),
        args=proposed,
        api=True,
        data=lambda w, r: {"reason": "Needs a cheaper milestone 3"},
    ),
    Row("api:project-plan-versions", "get", api(200, **SEE), args=proposed, api=True),
    Row("api:project-events", "get", api(200, **SEE), args=proposed, api=True),
    Row("api:milestone-detail", "get", api(200, **DRAFT_SEE), args=milestone_only, api=True),
    Row(
        "api:milestone-detail",
        "patch",
        api(200, **DRAFT_EDIT),
        args=milestone_only,
        api=True,
        data=lambda w, r: {"title": "Renamed"},
    ),
    Row("api:milestone-detail", "delete", api(204, **DRAFT_EDIT), args=milestone_only, api=True),
    Row("api:milestone-start", "post", api(200, **AGENCY_ACTS), args=at("planned"), api=True),
    Row(
        "api:milestone-deliver",
        "post",
        api(201, **AGENCY_ACTS),
        args=at("in_progress"),
        data=lambda w, r: {"notes": "Here it is"},
        api=True,
    ),
    Row(
        "api:milestone-request-changes",
        "post",
        api(200, **CLIENT_ACTS),
        args=at("in_review"),
        data=lambda w, r: {"feedback": "Please adjust"},
        api=True,
    ),
    Row(
        "api:milestone-approve",
        "post",
        api(200, **CLIENT_ACTS),
        args=at("in_review"),
        data=lambda w, r: {"accept_open_items": True},
        api=True,
    ),
    Row(
        "api:milestone-grant-revision",
        "post",
        api(200, **EDIT),
        args=at("in_progress"),
        data=lambda w, r: {"reason": "Goodwill"},
        api=True,
    ),
    Row("api:milestone-comments", "get", api(200, **SEE), args=at("in_review"), api=True),
    Row(
        "api:milestone-comments",
        "post",
        api(201, **SEE),
        args=at("in_review"),
        data=lambda w, r: {"body": "Hello"},
        api=True,
    ),
    Row("api:milestone-deliveries", "get", api(200, **SEE), args=at("in_review"), api=True),
    Row("api:milestone-support-requests", "get", api(200, **SEE), args=at("approved"), api=True),
    Row(
        "api:milestone-support-requests",
        "post",
        api(201, **CLIENT_ACTS),
        args=at("approved"),
        data=lambda w, r: {"description": "Typo in the footer"},
        api=True,
    ),
    Row(
        "api:verdict",
        "post",
        api(200, **CLIENT_ACTS),
        args=a_deliverable,
        data=lambda w, r: {"status": "failed", "note": "Broken on a phone"},
        api=True,
    ),
    Row(
        "api:support-request-resolve",
        "post",
        api(200, **AGENCY_ACTS),
        args=a_support_request,
        data=lambda w, r: {"resolution": "Fixed"},
        api=True,
    ),
    Row("api:notification-list", "get", api(200), api=True),
    Row(
        "api:notification-read", "post", api(200, **ONLY_OWNER), args=owners_notification, api=True
    ),
    Row("api:notification-read-all", "post", api(200), api=True),
    Row("api:notification-settings", "get", api(200), api=True),
    Row(
        "api:notification-settings", "patch", api(200), api=True, data=lambda w, r: {"plan": False}
    ),
    Row("api:calendar-token", "post", api(200), api=True),
    Row("api:invoice-list", "get", api(200), api=True),
    Row("api:invoice-detail", "get", api(200, **SEE), args=an_invoice, api=True),
    Row("api:invoice-pdf", "get", api(200, **SEE), args=an_invoice, api=True),
    Row(
        "api:invoice-payments",
        "post",
        api(201, **EDIT),
        args=an_invoice,
        api=True,
        data=lambda w, r: {"amount": "100.00", "date": "2026-01-05", "method": "cash"},
    ),
    Row(
        "api:invoice-void",
        "post",
        api(201, **EDIT),
        args=an_invoice,
        api=True,
        data=lambda w, r: {"reason": "Wrong address"},
    ),
    Row(
        "api:invoice-checkout",
        "post",
        api(409, owner=403, manager=403, member=403, outsider=404),
        args=an_invoice,
        api=True,
    ),
    Row(
        "api:client-contacts",
        "post",
        api(201, member=403, contact=404, outsider=404),
        args=client_id,
        data=lambda w, r: {"email": f"{r}-contact@example.com"},
        api=True,
    ),
]


def _url_names(patterns, namespace: str | None = None) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = pattern.namespace or namespace
            if namespace and pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}"
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_has_a_row():
    missing = _url_names(get_resolver().url_patterns) - {row.name for row in ROWS}
    assert not missing, f"Add these URLs to the permission matrix: {sorted(missing)}"


CASES = [
    pytest.param(row, role, id=f"{row.method.upper()} {row.name} as {role}")
    for row in ROWS
    for role in ROLES
]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_permission_matrix(row: Row, role: str, world, client):
    user = None if role == "anonymous" else world.user(role)
    url = reverse(row.name, args=row.args(world) if row.args else None)
    data = row.data(world, role) if row.data else None
    if row.api:
        http = APIClient()
        if user is not None:
            http.force_authenticate(user)
        response = getattr(http, row.method)(url, data, format="json")
    else:
        if user is not None:
            client.force_login(user)
        response = getattr(client, row.method)(url, data or {})
    assert response.status_code == row.expect[role], (
        f"{row.method.upper()} {url} as {role}: expected {row.expect[role]}, "
        f"got {response.status_code}"
    )
    if row.api and response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}
