"""Every URL and every kind of user → the expected status, and for every form what a submit does.

A URL pattern without a row here fails ``test_every_url_has_a_row``; a web page that is not
declared GET-only needs a POST row (``test_every_web_url_declares_its_post_side``), and a form
rendered on any page must post to a URL with a POST row (checked on every page the matrix opens).
Statuses follow PRODUCT.md: invisible → 404, visible but not allowed → 403, anonymous → the
login page (web) or 401 (API). A refused POST changes nothing in the database; an allowed one
changes something (unless its row says it only touches the session).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.test import APIClient

from milepost.accounts import services
from milepost.accounts.models import Contact, Invitation, Membership, hash_token
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.mail.models import OutgoingEmail
from milepost.plans import services as plans
from milepost.plans.lifecycle import Side
from milepost.plans.lifecycle import change_order as change_order_lifecycle
from milepost.plans.lifecycle import milestone as milestone_lifecycle
from milepost.plans.lifecycle import project as project_lifecycle
from milepost.plans.lifecycle.change_order import ChangeOrderAction as C
from milepost.plans.lifecycle.milestone import MilestoneAction
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.models import ChangeOrder, Milestone, PlanTemplate, Project, ProjectAccess
from milepost.plans.permissions import ACTIONS, InvoiceAction
from milepost.reviews import services as reviews
from milepost.reviews.models import Attachment, SupportRequest

from .factories import PASSWORD, ContactFactory

# approver and viewer are contacts of the client, given that access to every project here.
ROLES = ("anonymous", "owner", "manager", "member", "approver", "viewer", "outsider")
AGENCY = {"owner", "manager", "member"}
# Django's admin has its own staff-only permission system and is tested by Django.
EXCLUDED_NAMESPACES = {"admin"}
# Anonymous visitors of a page that needs a login: 302 to the login page, with ?next=.
LOGIN = "login"


@dataclass
class Row:
    name: str
    method: str
    expect: dict[str, int | str]
    args: Any = None  # callable(world) -> list of URL args
    data: Any = None  # callable(world, role) -> request body
    api: bool = False
    # For a write: True = an allowed request changes the database; False = no request to this
    # row may change it; None = an allowed request may or may not (it only touches the session).
    changes: bool | None = True
    extra: dict = field(default_factory=dict)


def expect(default: int, **overrides: int | str) -> dict[str, int | str]:
    statuses: dict[str, int | str] = dict.fromkeys(ROLES, default)
    statuses.update(overrides)
    return statuses


def web(default: int, **overrides: int) -> dict[str, int | str]:
    """Logged-in users get ``default``; anonymous users are sent to log in."""
    return expect(default, anonymous=LOGIN, **overrides)


def api(default: int, **overrides: int) -> dict[str, int | str]:
    return expect(default, anonymous=401, **overrides)


@pytest.fixture
def matrix_world(world, settings):
    """The shared world, its client contact as ``approver``, and a second contact as ``viewer``.

    Webhook URLs to 127.0.0.1 pass the SSRF guard (nothing is sent: no commit runs here)."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    world.approver = world.contact
    world.viewer = ContactFactory(client=world.client).user
    return world


def organisation_id(w):
    return [w.organisation.pk]


def client_id(w):
    return [w.client.pk]


def member_membership(w):
    return [Membership.objects.get(user=w.member).pk]


def owner_token(w):
    token, _raw = services.api_token_create(user=w.owner, name="matrix", actor=w.owner)
    return [token.pk]


WEBHOOK_URL = "http://127.0.0.1:9/hooks/milepost"


def webhook_endpoint(w):
    from milepost.integrations.services import endpoint_create

    owner = type(w.owner).objects.get(pk=w.owner.pk)
    endpoint, _secret = endpoint_create(organisation=w.organisation, actor=owner, url=WEBHOOK_URL)
    return [endpoint.pk]


def webhook_delivery(w):
    """A failed delivery, which may be resent (a pending one is not: it would go twice)."""
    from milepost.integrations.models import WebhookDelivery, WebhookEndpoint
    from milepost.integrations.services import endpoint_send_test

    owner = type(w.owner).objects.get(pk=w.owner.pk)
    endpoint = WebhookEndpoint.objects.get(pk=webhook_endpoint(w)[0])
    delivery = endpoint_send_test(endpoint=endpoint, actor=owner)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.FAILED)
    return [delivery.pk]


def webhook_form(w, r):
    return {"url": WEBHOOK_URL, "description": f"for {r}", "event_types": ["*"], "enabled": "on"}


def fresh_invitation(w):
    raw = "matrix-invitation-token"
    invitee = type(w.owner).objects.create_user(email="invitee@example.com")
    Invitation.objects.create(
        user=invitee,
        organisation=w.organisation,
        token_hash=hash_token(raw),
        expires_at=clock.now() + dt.timedelta(days=7),
    )
    return [raw]


def undelivered_email(w):
    email = OutgoingEmail.objects.create(
        organisation=w.organisation,
        user=w.contact,
        to=w.contact.email,
        subject="Undelivered",
        text="Hello",
        html="<p>Hello</p>",
        status=OutgoingEmail.Status.FAILED,
        attempts=6,
    )
    return [email.pk]


NEW_PASSWORD = "a-new-long-passphrase-2027"


def new_client(w, role):
    return {"name": f"New client for {role}", "country": "FR"}


def _project(w, *, proposed: bool = False, revised: bool = False):
    """A project from the website-cms template, with the client's approver and viewer.

    ``revised``: proposed once, then withdrawn to draft. Client contacts keep seeing such a draft
    (the version last proposed), so their rows test their role, not draft visibility."""
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
    plans.project_access_grant(project=project, email=w.viewer.email, role="viewer", actor=w.owner)
    if proposed or revised:
        plans.plan_propose(project=project, actor=w.owner)
    if revised:
        plans.plan_withdraw(project=project, actor=w.owner)
    return project


def draft(w):
    """A draft that was proposed once (see ``_project``)."""
    return [_project(w, revised=True).pk]


def proposed(w):
    return [_project(w, proposed=True).pk]


def never_proposed(w):
    """A draft the client never saw: its contacts do not see it (404)."""
    return [_project(w).pk]


def active(w):
    project = _project(w, proposed=True)
    plans.plan_accept(project=project, actor=type(w.contact).objects.get(pk=w.contact.pk))
    return [project.pk]


def baseline(w):
    """An active project and its plan version 1."""
    return [*active(w), 1]


def on_hold(w):
    (pk,) = active(w)
    plans.project_hold(project=Project.objects.get(pk=pk), actor=w.owner)
    return [pk]


def _change_order(w):
    """A draft change order on an active project: the last milestone costs 500.00 more."""
    (pk,) = active(w)
    project = Project.objects.get(pk=pk)
    last = Milestone.objects.filter(project=project).order_by("-position").first()
    return plans.change_order_create(
        project=project,
        actor=w.owner,
        title="A blog",
        changes_=[
            {
                "op": "update",
                "milestone": last.pk,
                "fields": {"budget": str(last.budget + 500)},
            }
        ],
    )


def co_draft(w):
    """A draft never proposed: the client's contacts do not see it (404)."""
    return [_change_order(w).pk]


def co_proposed(w):
    co = _change_order(w)
    plans.change_order_propose(change_order=co, actor=w.owner)
    return [co.pk]


def co_declined(w):
    (pk,) = co_proposed(w)
    plans.change_order_decline(
        change_order=ChangeOrder.objects.get(pk=pk),
        actor=type(w.contact).objects.get(pk=w.contact.pk),
        reason="Too dear",
    )
    return [pk]


def viewer_access(w):
    """A proposed project and its viewer's access (a viewer may go: the approver stays)."""
    project = _project(w, proposed=True)
    return [project.pk, ProjectAccess.objects.get(project=project, user=w.viewer).pk]


def viewer_access_id(w):
    return viewer_access(w)[1:]


def viewer_contact(w):
    """The client and its viewer as a contact, with access to a proposed project."""
    _project(w, proposed=True)
    return [w.client.pk, Contact.objects.get(client=w.client, user=w.viewer).pk]


def viewer_contact_id(w):
    return viewer_contact(w)[1:]


def pending_invitation(w):
    """A contact invited to the client who has not accepted yet."""
    contact = services.contact_invite(client=w.client, email="pending@example.com", actor=w.owner)
    return [Invitation.objects.get(user=contact.user).pk]


def draft_milestone(w):
    project = _project(w, revised=True)
    return [project.pk, project.milestones.order_by("position").first().pk]


def milestone_only(w):
    return [draft_milestone(w)[1]]


def org_template(w):
    project = _project(w)
    return [plans.template_save_from_project(project=project, name="Ours", actor=w.owner).pk]


def template_form(w, role):
    template = PlanTemplate.objects.get(organisation=w.organisation, name="Ours")
    data = {
        "name": "Ours, revised",
        "description": "",
        "ms-TOTAL_FORMS": str(len(template.milestones)),
        "ms-INITIAL_FORMS": str(len(template.milestones)),
    }
    for i, milestone in enumerate(template.milestones):
        data[f"ms-{i}-title"] = milestone["title"]
        data[f"ms-{i}-share"] = str(milestone["share"])
        data[f"ms-{i}-duration_days"] = str(milestone["duration_days"] + 1)
    return data


def organisation_form(w, role):
    return {
        "name": "Renamed agency",
        "country": "DE",
        "default_currency": "EUR",
        "tax_rate": "19.00",
        "payment_terms_days": "30",
        "invoice_prefix": "INV",
        "auto_approve_days": "14",
        "default_revision_quota": "2",
        "default_support_window_days": "14",
    }


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


def priced_in_review(w):
    """Milestone 1 in review with no revision left, on a project that sells extra revisions
    (150.00 each)."""
    milestone = _first_milestone(w, "in_review")
    Project.objects.filter(pk=milestone.project_id).update(extra_revision_price="150.00")
    Milestone.objects.filter(pk=milestone.pk).update(revisions_used=F("revision_quota"))
    return [milestone.pk]


def a_change_request(w):
    milestone = _first_milestone(w, "in_review")
    approver = type(w.contact).objects.get(pk=w.contact.pk)
    return [
        plans.change_order_request_file(
            milestone=_fresh(milestone), actor=approver, text="Add a gallery"
        ).pk
    ]


def a_support_request(w):
    milestone = _first_milestone(w, "approved")
    return [SupportRequest.objects.filter(milestone=milestone).first().pk]


def milestone_and_support_request(w):
    milestone = _first_milestone(w, "approved")
    return [milestone.pk, SupportRequest.objects.filter(milestone=milestone).first().pk]


def an_invoice(w):
    milestone = _first_milestone(w, "approved")
    return [Invoice.objects.get(milestone=milestone).pk]


def invoice_and_payment(w):
    """The approved milestone's invoice with a payment recorded by the owner."""
    from milepost.billing import services as billing

    invoice = Invoice.objects.select_related("project", "organisation").get(pk=an_invoice(w)[0])
    payment = billing.payment_record(
        invoice=invoice, amount="100.00", date=clock.today(), method="cash", actor=w.owner
    )
    return [invoice.pk, payment.pk]


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


ONLY_OWNER = {"manager": 404, "member": 404, "approver": 404, "viewer": 404, "outsider": 404}


# Who may do what on a project: the agency's managers edit; its members only read; the
# client's approver answers proposals; its viewer reads and comments; a user of another
# organisation sees nothing.
EDIT = {"member": 403, "approver": 403, "viewer": 403, "outsider": 404}
ANSWER = {"owner": 403, "manager": 403, "member": 403, "viewer": 403, "outsider": 404}
SEE = {"outsider": 404}
AGENCY_ACTS = {"approver": 403, "viewer": 403, "outsider": 404}
CLIENT_ACTS = ANSWER
# Pages of the agency's workspace: client contacts get 404.
NO_CONTACTS = {"approver": 404, "viewer": 404}
# Webhooks and the event feed are the owners': every other signed-in user hears 403.
NOT_OWNER = {"manager": 403, "member": 403, "approver": 403, "viewer": 403}
# Single milestones of a plan back in draft: contacts see only the last proposal, as a whole.
REVISED_SEE = {**SEE, **NO_CONTACTS}
REVISED_EDIT = {**EDIT, **NO_CONTACTS}
# A draft never proposed is the agency's alone: its contacts do not see it at all.
NEVER_PROPOSED_EDIT = {**EDIT, **NO_CONTACTS}


WEB_ROWS = [
    Row("healthz", "get", expect(200)),
    # --- Signing in, out, password reset, invitations -------------------------------------------
    Row("web:login", "get", expect(302, anonymous=200)),
    Row(
        "web:login",
        "post",
        expect(302),  # anonymous: logged in; everyone else is already
        data=lambda w, r: {"username": w.owner.email, "password": PASSWORD},
        changes=None,
    ),
    Row("web:logout", "post", expect(302), changes=None),
    Row("web:password_reset", "get", expect(200)),
    Row(
        "web:password_reset",
        "post",
        expect(302),
        # An address without an account: a known one is the password-reset test's business.
        data=lambda w, r: {"email": "nobody-here@example.com"},
        changes=None,
    ),
    Row("web:password_reset_done", "get", expect(200)),
    Row("web:password_reset_confirm", "get", expect(200), args=lambda w: ["MQ", "bad-token"]),
    Row(
        "web:password_reset_confirm",
        "post",
        expect(200),  # the page says the link is invalid
        args=lambda w: ["MQ", "bad-token"],
        data=lambda w, r: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        changes=False,
    ),
    Row("web:password_reset_complete", "get", expect(200)),
    Row("web:invitation", "get", expect(200), args=fresh_invitation),
    Row(
        "web:invitation",
        "post",
        expect(302),  # the link is the credential, whoever is logged in
        args=fresh_invitation,
        data=lambda w, r: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    ),
    Row(
        "web:switch_organisation",
        "post",
        web(302),
        data=lambda w, r: {"organisation": "1"},
        changes=None,
    ),
    # --- Projects ---------------------------------------------------------------------------------
    Row("web:dashboard", "get", web(200)),
    Row("web:search", "get", web(200, **NO_CONTACTS)),  # agency members search; contacts don't
    Row("web:projects", "get", web(200)),
    Row("web:project_new", "get", web(200, member=403, **NO_CONTACTS)),
    Row(
        "web:project_new",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=400),  # the client is not theirs
        data=new_project,
    ),
    Row("web:project_detail", "get", web(200, **SEE), args=proposed),
    Row("web:project_print", "get", web(200, **SEE), args=proposed),
    Row("web:plan_versions", "get", web(200, **SEE), args=active),
    Row("web:project_timeline", "get", web(200, **SEE), args=active),
    Row("web:project_timeline", "get", web(200, **SEE), args=proposed),  # no baseline yet
    Row("web:change_order_list", "get", web(200, **SEE), args=active),
    Row("web:plan_version", "get", web(200, **SEE), args=baseline),
    Row("web:project_proposal_pdf", "get", web(200, **SEE), args=proposed),
    Row("web:project_propose", "post", web(302, **EDIT), args=draft),
    Row("web:project_withdraw", "post", web(302, **EDIT), args=proposed),
    Row("web:project_accept", "post", web(302, **ANSWER), args=proposed),
    Row(
        "web:project_decline",
        "post",
        web(302, **ANSWER),
        args=proposed,
        data=lambda w, r: {"reason": "Too expensive"},
    ),
    Row("web:project_hold", "get", web(200, **EDIT), args=active),
    Row(
        "web:project_hold",
        "post",
        web(302, **EDIT),
        args=active,
        data=lambda w, r: {"reason": "Budget freeze"},
    ),
    Row("web:project_resume", "get", web(200, **EDIT), args=on_hold),
    Row("web:project_resume", "post", web(302, **EDIT), args=on_hold),
    Row("web:project_cancel", "get", web(200, **EDIT), args=active),
    Row(
        "web:project_cancel",
        "post",
        web(302, **EDIT),
        args=active,
        data=lambda w, r: {"reason": "The client chose another agency"},
    ),
    Row("web:project_delete", "get", web(200, **NEVER_PROPOSED_EDIT), args=never_proposed),
    Row("web:project_delete", "post", web(302, **NEVER_PROPOSED_EDIT), args=never_proposed),
    Row(
        "web:project_access",
        "post",
        web(302, **EDIT),
        args=draft,
        data=lambda w, r: {"email": "new-viewer@example.com", "role": "viewer"},
    ),
    Row(
        "web:project_access_role",
        "post",
        web(302, **EDIT),
        args=viewer_access,
        data=lambda w, r: {"role": "approver"},
    ),
    Row("web:project_access_remove", "get", web(200, **EDIT), args=viewer_access),
    Row("web:project_access_remove", "post", web(302, **EDIT), args=viewer_access),
    Row(
        "web:project_save_template",
        "post",
        web(302, **EDIT),
        args=draft,
        data=lambda w, r: {"name": "Saved"},
    ),
    # --- The plan editor --------------------------------------------------------------------------
    Row("web:plan_editor", "get", web(200, **EDIT), args=draft),
    Row(
        "web:project_settings",
        "post",
        web(302, **EDIT),
        args=draft,
        data=lambda w, r: {
            "name": "Renamed",
            "total_budget": "10000.00",
            "start_date": "2027-01-04",
            "auto_approve_days": "14",
            "sequential_gating": "on",
        },
    ),
    Row(
        "web:project_total",
        "post",
        web(302, **EDIT),
        args=draft,
        data=lambda w, r: {"total_budget": "12000.00"},
    ),
    Row("web:milestone_add", "post", web(302, **EDIT), args=draft, data=new_milestone_form),
    Row("web:milestone_edit", "post", web(302, **EDIT), args=draft_milestone, data=milestone_form),
    Row(
        "web:milestone_move",
        "post",
        web(302, **EDIT),
        args=draft_milestone,
        data=lambda w, r: {"direction": "down"},
    ),
    Row("web:milestone_remove", "get", web(200, **EDIT), args=draft_milestone),
    Row("web:milestone_remove", "post", web(302, **EDIT), args=draft_milestone),
    # --- Change orders ----------------------------------------------------------------------------
    Row("web:change_order_new", "get", web(200, **EDIT), args=active),
    Row(
        "web:change_order_new",
        "post",
        web(302, **EDIT),
        args=active,
        data=lambda w, r: {"title": "More pages", "reason": "A blog"},
    ),
    Row("web:change_order_detail", "get", web(200, **SEE), args=co_proposed),
    Row("web:change_order_print", "get", web(200, **SEE), args=co_proposed),
    Row("web:change_order_pdf", "get", web(200, **SEE), args=co_proposed),
    Row("web:change_order_edit", "get", web(200, **REVISED_EDIT), args=co_draft),
    Row(
        "web:change_order_edit",
        "post",
        web(302, **REVISED_EDIT),
        args=co_draft,
        data=lambda w, r: {"title": "A blog and a shop", "reason": ""},
    ),
    Row("web:change_order_propose", "post", web(302, **REVISED_EDIT), args=co_draft),
    Row("web:change_order_rebase", "post", web(302, **REVISED_EDIT), args=co_draft),
    Row("web:change_order_delete", "post", web(302, **REVISED_EDIT), args=co_draft),
    Row("web:change_order_withdraw", "post", web(302, **EDIT), args=co_proposed),
    Row("web:change_order_revise", "post", web(302, **EDIT), args=co_declined),
    Row("web:change_order_accept", "post", web(302, **ANSWER), args=co_proposed),
    Row(
        "web:change_order_decline",
        "post",
        web(302, **ANSWER),
        args=co_proposed,
        data=lambda w, r: {"reason": "Too dear"},
    ),
    # --- The review cycle -------------------------------------------------------------------------
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
    # --- Billing ----------------------------------------------------------------------------------
    Row("web:invoices", "get", web(200)),
    # The organisation's cash flow: its members see it (an outsider sees their own agency's).
    Row("web:cash_flow", "get", web(200, **NO_CONTACTS)),
    Row("web:invoice_detail", "get", web(200, **SEE), args=an_invoice),
    Row("web:invoice_pdf", "get", web(200, **SEE), args=an_invoice),
    Row(
        "web:payment_record",
        "post",
        web(302, **EDIT),
        args=an_invoice,
        data=lambda w, r: {"amount": "100.00", "date": "2026-01-05", "method": "bank_transfer"},
    ),
    Row(
        "web:payment_preview",
        "get",
        web(200, **EDIT),
        args=an_invoice,
        data=lambda w, r: {"amount": "100.00"},
    ),
    Row(
        "web:payment_reverse",
        "post",
        web(302, **EDIT),
        args=invoice_and_payment,
        data=lambda w, r: {"reason": "Booked on the wrong invoice"},
    ),
    Row("web:invoice_void", "get", web(200, **EDIT), args=an_invoice),
    Row(
        "web:invoice_void",
        "post",
        web(302, **EDIT),
        args=an_invoice,
        data=lambda w, r: {"reason": "Wrong address"},
    ),
    Row(
        "web:invoice_checkout",
        "post",
        # The approver is sent back with "card payment is off" (no Stripe keys here).
        web(302, owner=403, manager=403, member=403, viewer=403, outsider=404),
        args=an_invoice,
        changes=False,
    ),
    Row("stripe_webhook", "post", expect(404), changes=False),
    # --- Notifications and the calendar -----------------------------------------------------------
    Row("web:notifications", "get", web(200)),
    Row("web:notification_open", "get", web(302, **ONLY_OWNER), args=owners_notification),
    Row("web:notifications_read_all", "post", web(302), changes=None),
    Row("web:notification_preferences", "post", web(302), data=lambda w, r: {"plan": "on"}),
    Row("web:calendar_token", "post", web(302)),
    Row(
        "web:email_resend",
        "post",
        web(302, manager=403, member=403, outsider=404, **NO_CONTACTS),
        args=undelivered_email,
    ),
    Row("web:unsubscribe", "get", expect(200), args=owners_unsubscribe_link),
    Row("web:unsubscribe", "post", expect(200), args=owners_unsubscribe_link),
    Row("calendar_feed", "get", expect(200), args=owners_calendar),
    # --- Templates --------------------------------------------------------------------------------
    Row("web:templates", "get", web(200, **NO_CONTACTS)),
    Row(
        "web:template_edit",
        "get",
        web(200, member=403, **NO_CONTACTS, outsider=404),
        args=org_template,
    ),
    Row(
        "web:template_edit",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=404),
        args=org_template,
        data=template_form,
    ),
    Row(
        "web:template_delete",
        "get",
        web(200, member=403, **NO_CONTACTS, outsider=404),
        args=org_template,
    ),
    Row(
        "web:template_delete",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=404),
        args=org_template,
    ),
    # --- Clients ----------------------------------------------------------------------------------
    Row("web:clients", "get", web(200, **NO_CONTACTS)),
    Row("web:clients", "post", web(302, member=403, **NO_CONTACTS), data=new_client),
    Row("web:client_detail", "get", web(200, **NO_CONTACTS, outsider=404), args=client_id),
    Row(
        "web:client_detail",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=404),
        args=client_id,
        data=lambda w, r: {"email": f"{r}-invitee@example.com", "name": "Invitee"},
    ),
    Row(
        "web:client_edit",
        "get",
        web(200, member=403, **NO_CONTACTS, outsider=404),
        args=client_id,
    ),
    Row(
        "web:client_edit",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=404),
        args=client_id,
        data=lambda w, r: {"name": "Acme Shop Ltd", "country": "IE", "vat_id": "IE6388047V"},
    ),
    Row(
        "web:contact_remove",
        "get",
        web(200, member=403, **NO_CONTACTS, outsider=404),
        args=viewer_contact,
    ),
    Row(
        "web:contact_remove",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=404),
        args=viewer_contact,
    ),
    Row(
        "web:invitation_resend",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=404),
        args=pending_invitation,
    ),
    Row(
        "web:invitation_revoke",
        "get",
        web(200, member=403, **NO_CONTACTS, outsider=404),
        args=pending_invitation,
    ),
    Row(
        "web:invitation_revoke",
        "post",
        web(302, member=403, **NO_CONTACTS, outsider=404),
        args=pending_invitation,
    ),
    # --- Members ----------------------------------------------------------------------------------
    Row("web:members", "get", web(200, **NO_CONTACTS)),
    Row(
        "web:members",
        "post",
        web(302, manager=403, member=403, **NO_CONTACTS),  # the outsider, into their own agency
        data=lambda w, r: {"email": f"{r}-colleague@example.com", "role": "member"},
    ),
    Row(
        "web:member_role",
        "post",
        web(302, manager=403, member=403, **NO_CONTACTS, outsider=404),
        args=member_membership,
        data=lambda w, r: {"role": "manager"},
    ),
    Row(
        "web:member_remove",
        "get",
        web(200, manager=403, member=403, **NO_CONTACTS, outsider=404),
        args=member_membership,
    ),
    Row(
        "web:member_remove",
        "post",
        web(302, manager=403, member=403, **NO_CONTACTS, outsider=404),
        args=member_membership,
    ),
    # --- Settings ---------------------------------------------------------------------------------
    Row("web:settings", "get", web(200)),
    Row("web:settings_profile", "post", web(302), data=lambda w, r: {"name": "New Name"}),
    Row("web:settings_password", "get", web(200)),
    Row(
        "web:settings_password",
        "post",
        web(302),
        data=lambda w, r: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    Row("web:settings_organisation", "get", web(200, manager=403, member=403, **NO_CONTACTS)),
    Row(
        "web:settings_organisation",
        "post",
        web(302, manager=403, member=403, **NO_CONTACTS),  # the outsider, their own agency
        data=organisation_form,
    ),
    Row("web:token_create", "post", web(200), data=lambda w, r: {"name": "laptop"}),
    Row("web:token_revoke", "get", web(404, owner=200), args=owner_token),
    Row("web:token_revoke", "post", web(404, owner=302), args=owner_token),
    # --- Settings → Webhooks (owners; the outsider owns their own agency) ------------------------
    Row("webhooks:list", "get", web(200, manager=403, member=403, **NO_CONTACTS)),
    Row(
        "webhooks:list", "post", web(302, manager=403, member=403, **NO_CONTACTS), data=webhook_form
    ),
    Row(
        "webhooks:detail",
        "get",
        web(404, owner=200, manager=403, member=403),
        args=webhook_endpoint,
    ),
    Row(
        "webhooks:detail",
        "post",
        web(404, owner=302, manager=403, member=403),
        args=webhook_endpoint,
        data=webhook_form,
    ),
    Row(
        "webhooks:toggle",
        "post",
        web(404, owner=302, manager=403, member=403),
        args=webhook_endpoint,
    ),
    Row(
        "webhooks:rotate",
        "get",
        web(404, owner=200, manager=403, member=403),
        args=webhook_endpoint,
    ),
    Row(
        "webhooks:rotate",
        "post",
        web(404, owner=302, manager=403, member=403),
        args=webhook_endpoint,
    ),
    Row(
        "webhooks:delete",
        "get",
        web(404, owner=200, manager=403, member=403),
        args=webhook_endpoint,
    ),
    Row(
        "webhooks:delete",
        "post",
        web(404, owner=302, manager=403, member=403),
        args=webhook_endpoint,
    ),
    Row(
        "webhooks:test", "post", web(404, owner=302, manager=403, member=403), args=webhook_endpoint
    ),
    Row(
        "webhooks:delivery_resend",
        "post",
        web(404, owner=302, manager=403, member=403),
        args=webhook_delivery,
    ),
    Row("web:milestone_buy_revision", "post", web(302, **CLIENT_ACTS), args=priced_in_review),
    Row(
        "web:milestone_ask_change_order",
        "post",
        web(302, **CLIENT_ACTS),
        args=at("in_review"),
        data=lambda w, r: {"text": "Add a gallery"},
    ),
    Row(
        "web:change_order_request_draft",
        "post",
        web(302, **{**EDIT, "approver": 403, "viewer": 403}),
        args=a_change_request,
    ),
    Row(
        "web:change_order_request_decline",
        "post",
        web(302, **{**EDIT, "approver": 403, "viewer": 403}),
        args=a_change_request,
        data=lambda w, r: {"reason": "Out of scope"},
    ),
]

# Web pages that take no POST: what they show posts elsewhere (every rendered form is checked).
GET_ONLY = {
    "healthz",
    "calendar_feed",
    "web:password_reset_done",
    "web:password_reset_complete",
    "web:dashboard",
    "web:search",
    "web:projects",
    "web:project_detail",
    "web:project_print",
    "web:project_proposal_pdf",
    "web:plan_versions",
    "web:project_timeline",
    "web:change_order_list",
    "web:plan_version",
    "web:plan_editor",
    "web:change_order_detail",
    "web:change_order_print",
    "web:change_order_pdf",
    "web:attachment",
    "web:milestone_detail",
    "web:invoices",
    "web:cash_flow",
    "web:invoice_detail",
    "web:invoice_pdf",
    "web:payment_preview",
    "web:notifications",
    "web:notification_open",
    "web:templates",
    "web:settings",
}

API_ROWS = [
    Row("api:me", "get", api(200), api=True),
    Row("api:schema", "get", expect(200), api=True),
    Row("api:docs", "get", expect(200), api=True),
    Row("api:client-list", "get", api(200), api=True),
    Row(
        "api:client-list",
        "post",
        api(201, member=403, approver=403, viewer=403),
        data=new_client,
        api=True,
    ),
    Row(
        "api:client-detail", "get", api(200, **NO_CONTACTS, outsider=404), args=client_id, api=True
    ),
    Row(
        "api:client-detail",
        "patch",
        api(200, member=403, **NO_CONTACTS, outsider=404),
        args=client_id,
        data=lambda w, r: {"vat_id": "IE6388047V"},
        api=True,
    ),
    Row(
        "api:organisation-detail",
        "get",
        api(200, **NO_CONTACTS, outsider=404),
        args=organisation_id,
        api=True,
    ),
    Row(
        "api:organisation-detail",
        "patch",
        api(200, manager=403, member=403, **NO_CONTACTS, outsider=404),
        args=organisation_id,
        data=lambda w, r: {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
        api=True,
    ),
    Row("api:templates", "get", api(200), api=True),
    # Client contacts never see an organisation's cash flow: 403, as they have none to name.
    Row("api:cash-flow", "get", api(200, approver=403, viewer=403), api=True),
    Row("api:project-list", "get", api(200), api=True),
    Row(
        "api:project-list",
        "post",
        api(201, member=403, approver=403, viewer=403, outsider=400),
        data=new_project,
        api=True,
    ),
    Row("api:project-detail", "get", api(200, **SEE), args=draft, api=True),
    Row(
        "api:project-detail",
        "patch",
        api(200, **EDIT),
        args=draft,
        data=lambda w, r: {"name": "Renamed"},
        api=True,
    ),
    Row(
        "api:project-access",
        "post",
        api(201, **EDIT),
        args=draft,
        data=lambda w, r: {"email": "viewer2@example.com", "role": "viewer"},
        api=True,
    ),
    Row("api:project-access", "get", api(200, **EDIT), args=draft, api=True),
    Row(
        "api:project-access-item",
        "patch",
        api(200, **EDIT),
        args=viewer_access_id,
        data=lambda w, r: {"role": "approver"},
        api=True,
    ),
    Row("api:project-access-item", "delete", api(204, **EDIT), args=viewer_access_id, api=True),
    Row(
        "api:contact",
        "delete",
        api(204, member=403, **NO_CONTACTS, outsider=404),
        args=viewer_contact_id,
        api=True,
    ),
    Row(
        "api:invitation-resend",
        "post",
        api(200, member=403, **NO_CONTACTS, outsider=404),
        args=pending_invitation,
        api=True,
    ),
    Row(
        "api:invitation-revoke",
        "post",
        api(200, member=403, **NO_CONTACTS, outsider=404),
        args=pending_invitation,
        api=True,
    ),
    Row("api:project-milestones", "get", api(200, **SEE), args=draft, api=True),
    Row(
        "api:project-milestones",
        "post",
        api(201, **EDIT),
        args=draft,
        api=True,
        data=lambda w, r: {
            "title": "Extra",
            "budget": "100.00",
            "planned_start": "2027-06-01",
            "planned_due": "2027-06-04",
        },
    ),
    Row("api:project-propose", "post", api(200, **EDIT), args=draft, api=True),
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
    Row(
        "api:project-hold",
        "post",
        api(200, **EDIT),
        args=active,
        api=True,
        data=lambda w, r: {"reason": "Budget freeze"},
    ),
    Row("api:project-resume", "post", api(200, **EDIT), args=on_hold, api=True),
    Row("api:project-change-orders", "get", api(200, **SEE), args=active, api=True),
    Row(
        "api:project-change-orders",
        "post",
        api(201, **EDIT),
        args=active,
        api=True,
        data=lambda w, r: {"title": "More pages", "changes": []},
    ),
    Row("api:change-order-detail", "get", api(200, **SEE), args=co_proposed, api=True),
    Row("api:change-order-pdf", "get", api(200, **SEE), args=co_proposed, api=True),
    Row(
        "api:change-order-detail",
        "patch",
        api(200, **REVISED_EDIT),
        args=co_draft,
        api=True,
        data=lambda w, r: {"title": "A blog and a shop"},
    ),
    Row("api:change-order-detail", "delete", api(204, **REVISED_EDIT), args=co_draft, api=True),
    Row("api:change-order-propose", "post", api(200, **REVISED_EDIT), args=co_draft, api=True),
    Row("api:change-order-rebase", "post", api(200, **REVISED_EDIT), args=co_draft, api=True),
    Row("api:change-order-withdraw", "post", api(200, **EDIT), args=co_proposed, api=True),
    Row("api:change-order-revise", "post", api(200, **EDIT), args=co_declined, api=True),
    Row("api:change-order-accept", "post", api(200, **ANSWER), args=co_proposed, api=True),
    Row(
        "api:change-order-decline",
        "post",
        api(200, **ANSWER),
        args=co_proposed,
        api=True,
        data=lambda w, r: {"reason": "Too dear"},
    ),
    Row(
        "api:project-cancel",
        "post",
        api(200, **EDIT),
        args=active,
        api=True,
        data=lambda w, r: {"reason": "The client chose another agency"},
    ),
    Row(
        "api:project-detail",
        "delete",
        api(204, **NEVER_PROPOSED_EDIT),
        args=never_proposed,
        api=True,
    ),
    Row("api:project-plan-versions", "get", api(200, **SEE), args=proposed, api=True),
    Row("api:project-plan-version", "get", api(200, **SEE), args=baseline, api=True),
    Row(
        "api:project-plan-version-diff",
        "get",
        api(200, **SEE),
        args=baseline,
        api=True,
        data=lambda w, r: {"against": 1},
    ),
    Row("api:project-events", "get", api(200, **SEE), args=proposed, api=True),
    Row("api:project-timeline", "get", api(200, **SEE), args=active, api=True),
    Row("api:project-payment-schedule", "get", api(200, **SEE), args=active, api=True),
    Row("api:milestone-detail", "get", api(200, **REVISED_SEE), args=milestone_only, api=True),
    Row(
        "api:milestone-detail",
        "patch",
        api(200, **REVISED_EDIT),
        args=milestone_only,
        api=True,
        data=lambda w, r: {"title": "Renamed"},
    ),
    Row("api:milestone-detail", "delete", api(204, **REVISED_EDIT), args=milestone_only, api=True),
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
    Row(
        "api:milestone-buy-revision",
        "post",
        api(200, **CLIENT_ACTS),
        args=priced_in_review,
        api=True,
    ),
    Row("api:milestone-change-requests", "get", api(200, **SEE), args=at("in_review"), api=True),
    Row(
        "api:milestone-change-requests",
        "post",
        api(201, **CLIENT_ACTS),
        args=at("in_review"),
        data=lambda w, r: {"text": "Add a gallery"},
        api=True,
    ),
    Row("api:change-request-detail", "get", api(200, **SEE), args=a_change_request, api=True),
    Row(
        "api:change-request-decline",
        "post",
        api(200, **EDIT),
        args=a_change_request,
        data=lambda w, r: {"reason": "Out of scope"},
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
    Row("api:milestone-checklist", "get", api(200, **SEE), args=at("in_review"), api=True),
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
    Row("api:notification-read-all", "post", api(200), api=True, changes=None),
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
        "api:invoice-payment-preview",
        "get",
        api(200, **EDIT),
        args=an_invoice,
        api=True,
        data=lambda w, r: {"amount": "100.00"},
    ),
    Row(
        "api:invoice-reversal-preview", "get", api(200, **EDIT), args=invoice_and_payment, api=True
    ),
    Row(
        "api:invoice-reverse-payment",
        "post",
        api(201, **EDIT),
        args=invoice_and_payment,
        api=True,
        data=lambda w, r: {"reason": "Booked on the wrong invoice"},
    ),
    Row(
        "api:milestone-approval-preview",
        "get",
        api(200, **CLIENT_ACTS),
        args=at("in_review"),
        api=True,
    ),
    Row(
        "api:milestone-changes-preview",
        "get",
        api(200, **CLIENT_ACTS),
        args=at("in_review"),
        api=True,
    ),
    Row("api:project-proposal-preview", "get", api(200, **EDIT), args=draft, api=True),
    Row("api:project-acceptance-preview", "get", api(200, **ANSWER), args=proposed, api=True),
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
        api(409, owner=403, manager=403, member=403, viewer=403, outsider=404),
        args=an_invoice,
        api=True,
    ),
    Row(
        "api:client-contacts",
        "post",
        api(201, member=403, **NO_CONTACTS, outsider=404),
        args=client_id,
        data=lambda w, r: {"email": f"{r}-contact@example.com"},
        api=True,
    ),
    # --- Webhooks and the event feed (owners; the outsider owns their own agency) ----------------
    Row("webhooks_api:webhook-endpoint-list", "get", api(200, **NOT_OWNER), api=True),
    Row(
        "webhooks_api:webhook-endpoint-list",
        "post",
        api(201, **NOT_OWNER),
        api=True,
        data=lambda w, r: {"url": WEBHOOK_URL, "event_types": ["invoice.paid"]},
    ),
    Row(
        "webhooks_api:webhook-endpoint-detail",
        "get",
        api(404, owner=200, manager=403, member=403),
        args=webhook_endpoint,
        api=True,
    ),
    Row(
        "webhooks_api:webhook-endpoint-detail",
        "patch",
        api(404, owner=200, manager=403, member=403),
        args=webhook_endpoint,
        api=True,
        data=lambda w, r: {"description": "Accounting"},
    ),
    Row(
        "webhooks_api:webhook-endpoint-detail",
        "delete",
        api(404, owner=204, manager=403, member=403),
        args=webhook_endpoint,
        api=True,
    ),
    Row(
        "webhooks_api:webhook-endpoint-rotate-secret",
        "post",
        api(404, owner=200, manager=403, member=403),
        args=webhook_endpoint,
        api=True,
    ),
    Row(
        "webhooks_api:webhook-endpoint-test",
        "post",
        api(404, owner=202, manager=403, member=403),
        args=webhook_endpoint,
        api=True,
    ),
    Row(
        "webhooks_api:webhook-endpoint-deliveries",
        "get",
        api(404, owner=200, manager=403, member=403),
        args=webhook_endpoint,
        api=True,
    ),
    Row(
        "webhooks_api:webhook-delivery-resend",
        "post",
        api(404, owner=202, manager=403, member=403),
        args=webhook_delivery,
        api=True,
    ),
    Row("webhooks_api:events", "get", api(200, **NOT_OWNER), api=True),
]


ROWS = WEB_ROWS + API_ROWS


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


#: The URL namespaces of the API (the webhooks' API is its own app's, under /api/v1/ too).
API_NAMESPACES = ("api:", "webhooks_api:")


def _web_url_names() -> set[str]:
    return {
        name
        for name in _url_names(get_resolver().url_patterns)
        if not name.startswith(API_NAMESPACES)
    }


POSTED = {row.name for row in WEB_ROWS if row.method == "post"}


def test_every_url_has_a_row():
    missing = _url_names(get_resolver().url_patterns) - {row.name for row in ROWS}
    assert not missing, f"Add these URLs to the permission matrix: {sorted(missing)}"


def test_every_web_url_declares_its_post_side():
    """A web URL has POST rows (one case per role), or is declared GET-only."""
    undeclared = _web_url_names() - POSTED - GET_ONLY
    assert not undeclared, f"Add POST rows (or declare GET-only): {sorted(undeclared)}"
    both = POSTED & GET_ONLY
    assert not both, f"Declared GET-only but with POST rows: {sorted(both)}"
    gone = GET_ONLY - _web_url_names()
    assert not gone, f"Declared GET-only but not in the URLconf: {sorted(gone)}"


FORM = re.compile(r"<form\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _post_targets(html: str, page: str) -> set[str]:
    """The URL names the page's POST forms submit to (a form without action posts to the page)."""
    targets = set()
    for match in FORM.finditer(html):
        attributes = {
            name.lower(): double or single for name, double, single in ATTRIBUTE.findall(match[1])
        }
        if attributes.get("method", "get").lower() != "post":
            continue
        found = resolve(urlsplit(attributes.get("action") or page).path)
        targets.add(found.view_name)
    return targets


def test_the_form_scan_finds_every_form_of_the_settings_page(matrix_world, client):
    client.force_login(matrix_world.owner)
    page = reverse("web:settings")
    assert _post_targets(client.get(page).content.decode(), page) == {
        "web:logout",
        "web:settings_profile",
        "web:settings_password",
        "web:token_create",
        "web:notification_preferences",
        "web:calendar_token",
        "web:settings_organisation",
    }


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every Milepost table (sessions and the cache are not Milepost's data)."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for config in apps.get_app_configs()
        if config.name.startswith("milepost.")
        for model in config.get_models()
    }


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


CASES = [
    pytest.param(row, role, id=f"{row.method.upper()} {row.name} as {role}")
    for row in ROWS
    for role in ROLES
]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_permission_matrix(row: Row, role: str, matrix_world, client):
    world = matrix_world
    user = None if role == "anonymous" else world.user(role)
    url = reverse(row.name, args=row.args(world) if row.args else None)
    data = row.data(world, role) if row.data else None
    if row.api:
        http = APIClient()
        if user is not None:
            http.force_authenticate(user)
    else:
        http = client
        if user is not None:
            http.force_login(user)
    before = _snapshot() if row.method != "get" else None
    if row.api:
        response = getattr(http, row.method)(url, data, format="json")
    else:
        response = getattr(http, row.method)(url, data or {})
    wanted = row.expect[role]
    status = 302 if wanted == LOGIN else wanted
    assert response.status_code == status, (
        f"{row.method.upper()} {url} as {role}: expected {wanted}, got {response.status_code}"
    )
    if wanted == LOGIN:
        assert response["Location"].startswith(reverse("web:login") + "?next="), response[
            "Location"
        ]
    if row.api and response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}
    if before is not None:
        changed = _changed(before, _snapshot())
        if wanted == LOGIN or response.status_code >= 400 or row.changes is False:
            assert not changed, (
                f"{row.method.upper()} {url} as {role} was refused but changed {changed}"
            )
        elif row.changes:
            assert changed, (
                f"{row.method.upper()} {url} as {role} answered {wanted} but changed nothing"
            )
    if not row.api and response.status_code == 200 and "html" in response.get("Content-Type", ""):
        targets = _post_targets(response.content.decode(), url)
        unlisted = targets - POSTED
        assert not unlisted, f"{url} as {role} has forms posting to {sorted(unlisted)}: add rows"
        refused = {name for name in targets if _refuses(name, role)}
        assert not refused, (
            f"{url} offers {role} forms their role may not submit: {sorted(refused)}"
        )


def _refuses(name: str, role: str) -> bool:
    """Every POST row of ``name`` refuses ``role`` (403/404): a form they should not be shown.

    The outsider is refused the rows' objects (another agency's), not the forms: not judged."""
    return role != "outsider" and all(
        row.expect[role] in (403, 404)
        for row in WEB_ROWS
        if row.name == name and row.method == "post"
    )


REFUSED_BLANK = [
    pytest.param(row, role, id=f"POST {row.name} blank as {role}")
    for row in WEB_ROWS
    if row.method == "post" and row.data is not None
    for role in ROLES
    if row.expect[role] in (LOGIN, 403, 404)
]


@pytest.mark.parametrize(("row", "role"), REFUSED_BLANK)
def test_a_refused_role_is_refused_before_its_input_is_read(
    row: Row, role: str, matrix_world, client
):
    """An empty form from someone who may not submit it gets the refusal, not field errors."""
    world = matrix_world
    user = None if role == "anonymous" else world.user(role)
    url = reverse(row.name, args=row.args(world) if row.args else None)
    if user is not None:
        client.force_login(user)
    before = _snapshot()
    response = client.post(url, {})
    wanted = row.expect[role]
    assert response.status_code == (302 if wanted == LOGIN else wanted), (
        f"POST {url} (empty) as {role}: expected {wanted}, got {response.status_code}"
    )
    assert not _changed(before, _snapshot())


# --- Every action of the one table (plans.permissions.ACTIONS) has rows, and its rows agree ---

M, P = MilestoneAction, ProjectAction

#: The matrix rows (URL name, method) through which a person takes each action of the table.
ACTION_ROWS: dict[str, list[tuple[str, str]]] = {
    M.START: [("web:milestone_start", "post"), ("api:milestone-start", "post")],
    # The same button and endpoint: the milestone's billing trigger chooses the action.
    M.START_WITH_PREPAYMENT: [("web:milestone_start", "post"), ("api:milestone-start", "post")],
    M.DELIVER: [("web:milestone_deliver", "post"), ("api:milestone-deliver", "post")],
    M.VERDICT: [("web:deliverable_verdict", "post"), ("api:verdict", "post")],
    M.REQUEST_CHANGES: [
        ("web:milestone_request_changes", "post"),
        ("api:milestone-request-changes", "post"),
        ("api:milestone-changes-preview", "get"),
    ],
    M.APPROVE: [
        ("web:milestone_approve", "post"),
        ("api:milestone-approve", "post"),
        ("api:milestone-approval-preview", "get"),
    ],
    M.BUY_REVISION: [
        ("web:milestone_buy_revision", "post"),
        ("api:milestone-buy-revision", "post"),
    ],
    M.ASK_CHANGE_ORDER: [
        ("web:milestone_ask_change_order", "post"),
        ("api:milestone-change-requests", "post"),
    ],
    M.GRANT_REVISION: [
        ("web:milestone_grant_revision", "post"),
        ("api:milestone-grant-revision", "post"),
    ],
    M.SUPPORT_REQUEST: [
        ("web:support_request_file", "post"),
        ("api:milestone-support-requests", "post"),
    ],
    M.RESOLVE: [("web:support_request_resolve", "post"), ("api:support-request-resolve", "post")],
    M.COMMENT: [("web:comment_add", "post"), ("api:milestone-comments", "post")],
    P.PROPOSE: [
        ("web:project_propose", "post"),
        ("api:project-propose", "post"),
        ("api:project-proposal-preview", "get"),
    ],
    P.WITHDRAW: [("web:project_withdraw", "post"), ("api:project-withdraw", "post")],
    P.ACCEPT: [
        ("web:project_accept", "post"),
        ("api:project-accept", "post"),
        ("api:project-acceptance-preview", "get"),
    ],
    P.DECLINE: [("web:project_decline", "post"), ("api:project-decline", "post")],
    P.EDIT_PLAN: [
        ("web:plan_editor", "get"),
        ("web:project_total", "post"),
        ("web:milestone_add", "post"),
        ("web:milestone_edit", "post"),
        ("web:milestone_move", "post"),
        ("web:milestone_remove", "get"),
        ("web:milestone_remove", "post"),
        ("api:project-milestones", "post"),
        ("api:milestone-detail", "patch"),
        ("api:milestone-detail", "delete"),
    ],
    P.UPDATE: [("web:project_settings", "post"), ("api:project-detail", "patch")],
    P.GRANT_ACCESS: [("web:project_access", "post"), ("api:project-access", "post")],
    P.CHANGE_ACCESS: [("web:project_access_role", "post"), ("api:project-access-item", "patch")],
    P.REMOVE_ACCESS: [
        ("web:project_access_remove", "get"),
        ("web:project_access_remove", "post"),
        ("api:project-access-item", "delete"),
    ],
    P.SAVE_TEMPLATE: [("web:project_save_template", "post")],
    P.HOLD: [
        ("web:project_hold", "get"),
        ("web:project_hold", "post"),
        ("api:project-hold", "post"),
    ],
    P.RESUME: [
        ("web:project_resume", "get"),
        ("web:project_resume", "post"),
        ("api:project-resume", "post"),
    ],
    P.CANCEL: [
        ("web:project_cancel", "get"),
        ("web:project_cancel", "post"),
        ("api:project-cancel", "post"),
    ],
    P.DELETE: [
        ("web:project_delete", "get"),
        ("web:project_delete", "post"),
        ("api:project-detail", "delete"),
    ],
    P.CHANGE_PLAN: [
        ("web:change_order_request_draft", "post"),
        ("web:change_order_request_decline", "post"),
        ("web:change_order_new", "get"),
        ("web:change_order_new", "post"),
        ("api:project-change-orders", "post"),
        ("api:change-request-decline", "post"),
    ],
    C.EDIT: [
        ("web:change_order_edit", "get"),
        ("web:change_order_edit", "post"),
        ("api:change-order-detail", "patch"),
    ],
    C.DELETE: [("web:change_order_delete", "post"), ("api:change-order-detail", "delete")],
    C.REBASE: [("web:change_order_rebase", "post"), ("api:change-order-rebase", "post")],
    C.PROPOSE: [("web:change_order_propose", "post"), ("api:change-order-propose", "post")],
    C.WITHDRAW: [("web:change_order_withdraw", "post"), ("api:change-order-withdraw", "post")],
    C.ACCEPT: [("web:change_order_accept", "post"), ("api:change-order-accept", "post")],
    C.DECLINE: [("web:change_order_decline", "post"), ("api:change-order-decline", "post")],
    C.REVISE: [("web:change_order_revise", "post"), ("api:change-order-revise", "post")],
    InvoiceAction.MANAGE: [
        ("web:payment_record", "post"),
        ("web:invoice_void", "get"),
        ("web:invoice_void", "post"),
        ("api:invoice-payments", "post"),
        ("api:invoice-void", "post"),
        ("web:payment_preview", "get"),
        ("api:invoice-payment-preview", "get"),
    ],
    InvoiceAction.REVERSE_PAYMENT: [
        ("web:payment_reverse", "post"),
        ("api:invoice-reverse-payment", "post"),
        ("api:invoice-reversal-preview", "get"),
    ],
    InvoiceAction.PAY: [("web:invoice_checkout", "post"), ("api:invoice-checkout", "post")],
}

#: Who each side is among the matrix's roles (the outsider belongs to another agency).
SIDE_ROLES = {
    Side.AGENCY: {"owner", "manager", "member"},
    Side.MANAGER: {"owner", "manager"},
    Side.APPROVER: {"approver"},
    Side.ANYONE: {"owner", "manager", "member", "approver", "viewer"},
}


def test_every_action_of_the_table_has_rows():
    assert set(ACTION_ROWS) == set(ACTIONS)
    declared = {(row.name, row.method) for row in ROWS}
    for action, rows in ACTION_ROWS.items():
        assert rows, action
        assert set(rows) <= declared, f"{action}: rows not in the matrix {set(rows) - declared}"


def test_the_table_holds_every_action_a_person_takes():
    people = {a for a, side in milestone_lifecycle.ACTORS.items() if side is not Side.SYSTEM}
    people |= {a for a, side in project_lifecycle.ACTORS.items() if side is not Side.SYSTEM}
    people |= set(change_order_lifecycle.ACTORS)  # every one is taken by a person
    assert people | set(InvoiceAction) == set(ACTIONS)
    assert len({str(a) for a in ACTIONS}) == len(ACTIONS)  # no two actions share a name
    assert set(SIDE_ROLES) == {rule.side for rule in ACTIONS.values()}


@pytest.mark.parametrize("action", list(ACTION_ROWS), ids=str)
def test_the_rows_of_an_action_refuse_exactly_the_roles_its_side_leaves_out(action):
    side = ACTIONS[action].side
    for name, method in ACTION_ROWS[action]:
        for row in ROWS:
            if (row.name, row.method) != (name, method):
                continue
            assert row.expect["outsider"] == 404, f"{name}: another agency sees nothing"
            for role in set(ROLES) - {"anonymous", "outsider"}:
                refused = row.expect[role] in (403, 404)
                assert refused == (role not in SIDE_ROLES[side]), (
                    f"{method.upper()} {name} as {role}: {row.expect[role]}, but {action} is "
                    f"the {side}'s"
                )
