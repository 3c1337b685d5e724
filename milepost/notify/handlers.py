"""Domain events → notifications. Each handler runs in the transaction of the change."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from milepost.core import events
from milepost.core.events import EventType
from milepost.core.models import DomainEvent
from milepost.plans.models import Milestone, Project

from . import recipients as who
from .models import Category
from .services import notify
from .wording import Money, Text


def _project(event: DomainEvent) -> Project:
    return Project.objects.select_related("client", "organisation").get(pk=event.payload["project"])


def _milestone(event: DomainEvent) -> Milestone:
    return Milestone.objects.select_related(
        "project", "project__client", "project__organisation"
    ).get(pk=event.payload["milestone"])


def _project_url(project) -> str:
    return reverse("web:project_detail", args=[project.pk])


def _milestone_url(milestone) -> str:
    return reverse("web:milestone_detail", args=[milestone.pk])


def plan_proposed(event):
    p = _project(event)
    notify(
        users=who.client_approvers(p),
        category=Category.PLAN,
        organisation=p.organisation,
        title=Text(
            _("%(org)s proposed the plan of %(project)s (%(total)s)"),
            org=p.organisation.name,
            project=p.name,
            total=Money(p.total, p.currency),
        ),
        body=_(
            "Read what each milestone delivers, what it costs and when, then accept it or "
            "ask for changes."
        ),
        url=_project_url(p) + "#answer",
    )


def plan_answered(event):
    p = _project(event)
    names = {"client": p.client.name, "project": p.name}
    if event.name == EventType.PLAN_ACCEPTED:
        title = Text(_("%(client)s accepted the plan of %(project)s"), **names)
        body = Text(
            _("Baseline v1: %(total)s, starting %(start)s."),
            total=Money(p.total, p.currency),
            start=p.start_date,
        )
    else:
        title = Text(_("%(client)s declined the plan of %(project)s"), **names)
        body = Text(_("Their reason: %(reason)s"), reason=event.payload.get("reason", ""))
    notify(
        users=who.agency_managers(p.organisation_id),
        category=Category.PLAN,
        organisation=p.organisation,
        title=title,
        body=body,
        url=_project_url(p),
    )


def _change_order(event):
    from milepost.plans.models import ChangeOrder

    return ChangeOrder.objects.select_related(
        "project", "project__client", "project__organisation", "decided_by"
    ).get(pk=event.payload["change_order"])


def _change_order_url(change_order) -> str:
    return reverse("web:change_order_detail", args=[change_order.pk])


def change_order_proposed(event):
    """The client's approvers are asked to answer; its viewers are told."""
    co = _change_order(event)
    p = co.project
    names = {"org": p.organisation.name, "label": co.label, "title": co.title, "project": p.name}
    body = Text(
        _("The total becomes %(total)s (%(price)s). Read what changes, then accept or decline it."),
        total=Money(co.total_after, p.currency),
        price=Money(co.price, p.currency, signed=True),
    )
    notify(
        users=who.client_approvers(p),
        category=Category.PLAN,
        organisation=p.organisation,
        title=Text(_("%(org)s proposed %(label)s for %(project)s: %(title)s"), **names),
        body=body,
        url=_change_order_url(co),
    )


def change_order_answered(event):
    """Accepted: both sides hear of the new plan version (not the approver who accepted).
    Declined: the agency's owners and managers, with the reason."""
    co = _change_order(event)
    p = co.project
    names = {"client": p.client.name, "label": co.label, "title": co.title, "project": p.name}
    if event.name == EventType.CHANGE_ORDER_ACCEPTED:
        people = [
            *who.agency_team(p.organisation_id),
            *who.client_people(p).exclude(pk=co.decided_by_id),
        ]
        title = Text(_("%(client)s accepted %(label)s of %(project)s: %(title)s"), **names)
        body = Text(
            _("The plan is now v%(version)s; the total is %(total)s."),
            version=event.payload.get("plan_version"),
            total=Money(co.total_after, p.currency),
        )
    else:
        people = list(who.agency_managers(p.organisation_id))
        title = Text(_("%(client)s declined %(label)s of %(project)s: %(title)s"), **names)
        body = Text(_("Their reason: %(reason)s"), reason=event.payload.get("reason", ""))
    notify(
        users=people,
        category=Category.PLAN,
        organisation=p.organisation,
        title=title,
        body=body,
        url=_change_order_url(co),
    )


def project_status_changed(event):
    """On hold, resumed, cancelled: both sides are told (the actor is not told of their own)."""
    p = _project(event)
    actor = event.payload.get("actor")
    reason = event.payload.get("reason", "")
    if event.name == EventType.PROJECT_PUT_ON_HOLD:
        title = _("%(org)s put %(project)s on hold")
        body = _(
            "Nothing starts, is delivered or approved until it is resumed; auto-approval and "
            "support windows wait too."
        )
        reasoned = _(
            "Reason: %(reason)s\n\nNothing starts, is delivered or approved until it is "
            "resumed; auto-approval and support windows wait too."
        )
    elif event.name == EventType.PROJECT_RESUMED:
        title = _("%(org)s resumed %(project)s")
        body = reasoned = _("Work goes on; review and support deadlines moved by the time on hold.")
    else:
        title = _("%(org)s cancelled %(project)s")
        body = _("Nothing more is started or invoiced. Invoices already issued stay due.")
        reasoned = _(
            "Reason: %(reason)s\n\nNothing more is started or invoiced. Invoices already "
            "issued stay due."
        )
    people = [
        *who.client_people(p),
        *who.agency_team(p.organisation_id).exclude(pk=actor),
    ]
    notify(
        users=people,
        category=Category.PROJECT,
        organisation=p.organisation,
        title=Text(title, org=p.organisation.name, project=p.name),
        body=Text(reasoned, reason=reason) if reason else Text(body),
        url=_project_url(p),
    )


#: What a delivery tells each side of the client: the approvers test it, the viewers follow.
DELIVERED = (
    (
        who.client_approvers,
        _("“%(title)s” of %(project)s is ready for your review (v%(version)s)"),
        _(
            "Test each deliverable against its acceptance criteria, then approve or ask "
            "for changes."
        ),
    ),
    (
        who.client_viewers,
        _("“%(title)s” of %(project)s was delivered (v%(version)s)"),
        _("Its approvers test it, then approve it or ask for changes."),
    ),
)


def delivered(event):
    """The approvers are asked to test the delivery; the viewers are told it arrived."""
    m = _milestone(event)
    version = m.deliveries.values_list("number", flat=True).get(pk=event.payload["delivery"])
    for recipients, title, body in DELIVERED:
        notify(
            users=recipients(m.project),
            category=Category.DELIVERY,
            organisation=m.project.organisation,
            title=Text(title, title=m.title, project=m.project.name, version=version),
            body=body,
            url=_milestone_url(m),
        )


REVIEW_TITLES = {
    EventType.MILESTONE_CHANGES_REQUESTED: _(
        "%(client)s asked for changes to “%(title)s” of %(project)s"
    ),
    EventType.MILESTONE_APPROVED: _("%(client)s approved “%(title)s” of %(project)s"),
    EventType.SUPPORT_REQUEST_FILED: _(
        "%(client)s filed a support request on “%(title)s” of %(project)s"
    ),
}


def review_activity(event):
    m = _milestone(event)
    names = {"client": m.project.client.name, "title": m.title, "project": m.project.name}
    title = Text(REVIEW_TITLES[event.name], **names)
    if event.name == EventType.MILESTONE_APPROVED and event.payload.get("automatic"):
        title = Text(_("“%(title)s” of %(project)s was approved automatically"), **names)
    body = ""
    if event.name == EventType.MILESTONE_APPROVED:
        body = Text(
            _("Milestone %(position)s, %(budget)s."),
            position=m.position,
            budget=Money(m.budget, m.project.currency),
        )
    notify(
        users=who.agency_team(m.project.organisation_id),
        category=Category.REVIEW,
        organisation=m.project.organisation,
        title=title,
        body=body,
        url=_milestone_url(m),
    )


def invoice_issued(event):
    from milepost.billing.models import Invoice, InvoiceKind

    invoice = Invoice.objects.select_related(
        "project", "project__client", "organisation", "milestone"
    ).get(pk=event.payload["invoice"])
    names = {
        "number": invoice.number,
        "org": invoice.organisation.name,
        "project": invoice.project.name,
    }
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        title = Text(_("Credit note %(number)s from %(org)s for %(project)s"), **names)
        body = Text(
            _("%(amount)s credited for “%(milestone)s”. The PDF is attached."),
            amount=Money(invoice.gross, invoice.currency),
            milestone=invoice.milestone.title,
        )
    else:
        title = Text(_("Invoice %(number)s from %(org)s for %(project)s"), **names)
        body = Text(
            _("%(amount)s for “%(milestone)s”, due %(due)s. The PDF is attached."),
            amount=Money(invoice.gross, invoice.currency),
            milestone=invoice.milestone.title,
            due=invoice.due_date,
        )
    notify(
        users=who.client_approvers(invoice.project),
        category=Category.INVOICE,
        organisation=invoice.organisation,
        invoice=invoice,
        title=title,
        body=body,
        url=reverse("web:invoice_detail", args=[invoice.pk]),
    )


def payment_received(event):
    from milepost.billing.models import Payment

    payment = Payment.objects.select_related(
        "invoice", "invoice__organisation", "invoice__project"
    ).get(pk=event.payload["payment"])
    invoice = payment.invoice
    notify(
        users=who.agency_managers(invoice.organisation_id),
        category=Category.PAYMENT,
        organisation=invoice.organisation,
        title=Text(
            _("Payment of %(amount)s received for %(number)s (%(project)s)"),
            amount=Money(payment.amount, invoice.currency),
            number=invoice.number,
            project=invoice.project.name,
        ),
        body=Text(
            _("Paid so far: %(paid)s of %(gross)s."),
            paid=Money(invoice.paid, invoice.currency),
            gross=Money(invoice.gross, invoice.currency),
        ),
        url=reverse("web:invoice_detail", args=[invoice.pk]),
    )


def payment_reversed(event):
    """The agency's owners and managers hear that money they saw arrive was taken back."""
    from milepost.billing.models import Payment

    payment = Payment.objects.select_related(
        "invoice", "invoice__organisation", "invoice__project", "reversal"
    ).get(pk=event.payload["payment"])
    invoice = payment.invoice
    notify(
        users=who.agency_managers(invoice.organisation_id),
        category=Category.PAYMENT,
        organisation=invoice.organisation,
        title=Text(
            _("Payment of %(amount)s for %(number)s (%(project)s) reversed: %(reason)s"),
            amount=Money(payment.amount, invoice.currency),
            number=invoice.number,
            project=invoice.project.name,
            reason=Truncator(payment.reversal.reason).chars(120),  # a title holds 300
        ),
        url=reverse("web:invoice_detail", args=[invoice.pk]),
    )


def connect() -> None:
    events.subscribe(EventType.PLAN_PROPOSED, plan_proposed)
    events.subscribe(EventType.PLAN_ACCEPTED, plan_answered)
    events.subscribe(EventType.PLAN_DECLINED, plan_answered)
    events.subscribe(EventType.CHANGE_ORDER_PROPOSED, change_order_proposed)
    events.subscribe(EventType.CHANGE_ORDER_ACCEPTED, change_order_answered)
    events.subscribe(EventType.CHANGE_ORDER_DECLINED, change_order_answered)
    for event_type in (
        EventType.PROJECT_PUT_ON_HOLD,
        EventType.PROJECT_RESUMED,
        EventType.PROJECT_CANCELLED,
    ):
        events.subscribe(event_type, project_status_changed)
    events.subscribe(EventType.MILESTONE_DELIVERED, delivered)
    for event_type in (
        EventType.MILESTONE_CHANGES_REQUESTED,
        EventType.MILESTONE_APPROVED,
        EventType.SUPPORT_REQUEST_FILED,
    ):
        events.subscribe(event_type, review_activity)
    events.subscribe(EventType.INVOICE_ISSUED, invoice_issued)
    events.subscribe(EventType.PAYMENT_RECEIVED, payment_received)
    events.subscribe(EventType.PAYMENT_REVERSED, payment_reversed)
