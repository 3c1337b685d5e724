"""Twenty approvers accept the same change order at once: one new plan version, nineteen state
conflicts; a withdrawal racing an acceptance, and two proposals racing, leave one outcome.

Real commits (transaction=True), one database connection per thread, as separate web workers.
"""

from __future__ import annotations

import pytest

from milepost.accounts.models import User
from milepost.audit.verify import verify_chains
from milepost.core.errors import RuleViolation
from milepost.plans import services as plans
from milepost.plans.models import ChangeOrder, Milestone, PlanVersion, Project
from milepost.reviews.services.change_orders import change_order_accept

from ..factories import accepted_project
from ..reviews.test_concurrency import THREADS, race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(world):
    return accepted_project(world)


def _draft(world, project, extra=600):
    last = Milestone.objects.filter(project=project).order_by("-position").first()
    return plans.change_order_create(
        project=project,
        actor=world.owner,
        title=f"Plus {extra}",
        changes_=[
            {"op": "update", "milestone": last.pk, "fields": {"budget": str(last.budget + extra)}}
        ],
    )


def _job(service, pk: int, user_pk: int):
    def prepare():
        actor = User.objects.get(pk=user_pk)
        change_order = ChangeOrder.objects.select_related("project").get(pk=pk)
        return lambda: service(change_order=change_order, actor=actor)

    return prepare


def test_twenty_simultaneous_acceptances_make_one_version(world, shop):
    co = plans.change_order_propose(change_order=_draft(world, shop), actor=world.owner)
    results, errors = race(
        [_job(change_order_accept, co.pk, world.contact.pk) for _ in range(THREADS)]
    )
    assert len(results) == 1, errors
    assert {getattr(e, "code", repr(e)) for e in errors} == {"state_conflict"}
    assert PlanVersion.objects.filter(project=shop).count() == 2
    project = Project.objects.get(pk=shop.pk)
    assert project.plan_version == 2 and str(project.total_budget) == "10600.000"
    report = verify_chains()
    assert report.ok, report.reason


def test_a_withdrawal_racing_an_acceptance_leaves_one_outcome(world, shop):
    co = plans.change_order_propose(change_order=_draft(world, shop), actor=world.owner)
    jobs = []
    for i in range(THREADS):
        if i % 2:
            jobs.append(_job(change_order_accept, co.pk, world.contact.pk))
        else:
            jobs.append(_job(plans.change_order_withdraw, co.pk, world.owner.pk))
    results, errors = race(jobs)
    assert len(results) == 1, errors
    assert all(isinstance(e, RuleViolation) and e.code == "state_conflict" for e in errors)
    status = ChangeOrder.objects.get(pk=co.pk).status
    versions = PlanVersion.objects.filter(project=shop).count()
    assert (status, versions) in {("accepted", 2), ("withdrawn", 1)}


def test_of_two_proposals_at_once_one_waits_for_the_client(world, shop):
    drafts = [_draft(world, shop, extra) for extra in (100, 200, 300, 400)]
    results, errors = race([_job(plans.change_order_propose, d.pk, world.owner.pk) for d in drafts])
    assert len(results) == 1, errors
    assert {getattr(e, "code", repr(e)) for e in errors} == {"change_order_pending"}
    assert ChangeOrder.objects.filter(project=shop, status="proposed").count() == 1
