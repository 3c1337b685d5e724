"""Building projects for the stored forecasts and the cash flow: plans with given milestones,
driven through the services at given days."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from milepost.billing import services as billing
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews

from ..reviews.conftest import fresh


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def milestone(title, budget, start, due, trigger="on_approval") -> dict:
    return {
        "title": title,
        "budget": budget,
        "planned_start": start.isoformat(),
        "planned_due": due.isoformat(),
        "billing_trigger": trigger,
        "deliverables": [{"title": f"{title} done", "acceptance_criteria": "It works."}],
    }


def accepted_project(world, *, client, name, currency, milestones, accepted_on) -> Project:
    """A project of ``milestones`` (dicts from :func:`milestone`), proposed and accepted by
    the world's contact (made approver) on ``accepted_on``."""
    total = sum(float(m["budget"]) for m in milestones)
    with clock.frozen(at(accepted_on)):
        project = plans.project_create(
            organisation=world.organisation,
            client=client,
            actor=world.owner,
            name=name,
            currency=currency,
            total_budget=f"{total:.2f}",
            start_date=milestones[0]["planned_start"],
            milestones=milestones,
        )
        plans.project_access_grant(
            project=project, email=world.contact.email, role="approver", actor=world.owner
        )
        plans.plan_propose(project=Project.objects.get(pk=project.pk), actor=world.owner)
        plans.plan_accept(project=Project.objects.get(pk=project.pk), actor=fresh(world.contact))
    return Project.objects.select_related("organisation", "client").get(pk=project.pk)


def m(project, position) -> Milestone:
    return Milestone.objects.select_related("project__organisation", "project__client").get(
        project=project, position=position
    )


def reload(project) -> Project:
    return Project.objects.select_related("organisation").get(pk=project.pk)


def start(world, project, position, day) -> None:
    with clock.frozen(at(day)):
        reviews.milestone_start(milestone=m(project, position), actor=world.owner)


def deliver(world, project, position, day) -> None:
    with clock.frozen(at(day)):
        reviews.milestone_deliver(milestone=m(project, position), actor=world.owner, notes="Done")


def approve_review(world, project, position, day) -> None:
    """The client approves the milestone in review on ``day``."""
    with clock.frozen(at(day)):
        reviews.milestone_approve(
            milestone=m(project, position), actor=fresh(world.contact), accept_open_items=True
        )


def add_a_milestone(world, project, title: str = "Shop", *, accept: bool = True) -> None:
    """On Fri 22 Jan 2027 a change order adds milestone 6 ``title`` (800.00, 31 Mar to 9 Apr
    2027), proposed and, with ``accept``, accepted by the client."""
    from milepost.reviews.services.change_orders import change_order_accept

    with clock.frozen(at(dt.date(2027, 1, 22))):
        co = plans.change_order_create(
            project=reload(project),
            actor=fresh(world.owner),
            title="A shop",
            changes_=[
                {
                    "op": "add",
                    "position": 6,
                    "milestone": {
                        "title": title,
                        "budget": "800.00",
                        "planned_start": "2027-03-31",
                        "planned_due": "2027-04-09",
                    },
                }
            ],
        )
        plans.change_order_propose(change_order=co, actor=fresh(world.owner))
        if accept:
            change_order_accept(change_order=co, actor=fresh(world.contact))


def approve(world, project, position, day) -> Invoice | None:
    """Start (when not started), deliver and approve the milestone on ``day``; its invoice."""
    with clock.frozen(at(day)):
        if m(project, position).status == "planned":
            reviews.milestone_start(milestone=m(project, position), actor=world.owner)
        reviews.milestone_deliver(milestone=m(project, position), actor=world.owner, notes="Done")
        reviews.milestone_approve(
            milestone=m(project, position), actor=fresh(world.contact), accept_open_items=True
        )
    return Invoice.objects.filter(milestone=m(project, position), kind="invoice").first()


def pay(world, invoice, day, amount=None) -> None:
    with clock.frozen(at(day)):
        billing.payment_record(
            invoice=Invoice.objects.get(pk=invoice.pk),
            amount=str(amount or invoice.gross),
            date=day.isoformat(),
            method="bank_transfer",
            actor=fresh(world.owner),
        )
