"""Twenty approvers press "approve" at the same moment: one approval, nineteen state conflicts.

These tests commit for real (transaction=True) and use one database connection per thread, as
separate web workers would.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from milepost.accounts.models import User
from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.core.errors import RuleViolation
from milepost.core.models import DomainEvent
from milepost.reviews import services as reviews
from milepost.reviews.models import Approval, ChangeRequest, SupportRequest

from .conftest import activate, cycle_for, reload

THREADS = 20


def race(jobs) -> tuple[list[object], list[BaseException]]:
    """Prepare every job in its own thread, start them at once; return results and errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(prepare):
        try:
            call = prepare()  # loads its own rows on its own connection, before the start
            barrier.wait(timeout=60)
            result = call()
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request is stuck"
    return results, errors


def approve_job(milestone_pk: int, approver_pk: int, accept_open_items: bool):
    def prepare():
        actor = User.objects.get(pk=approver_pk)
        milestone = reload(milestone_pk)
        assert milestone.status == "in_review"
        return lambda: reviews.milestone_approve(
            milestone=milestone, actor=actor, accept_open_items=accept_open_items
        )

    return prepare


def request_changes_job(milestone_pk: int, approver_pk: int):
    def prepare():
        actor = User.objects.get(pk=approver_pk)
        milestone = reload(milestone_pk)
        return lambda: reviews.milestone_request_changes(
            milestone=milestone, actor=actor, feedback="Change it."
        )

    return prepare


@pytest.fixture
def review(world, make_project):
    c = cycle_for(world, activate(make_project(), world.owner, world.contact))
    c.to_review(1)
    return c


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("open_items", [False, True], ids=["all-passed", "open-items"])
def test_twenty_simultaneous_approvals_make_one(review, open_items):
    if open_items:
        first = review.deliverables(1)[0]
        reviews.deliverable_verdict(deliverable=first, actor=review.approver, status="failed")
    else:
        review.pass_all(1)
    milestone = review.m(1)
    jobs = [approve_job(milestone.pk, review.approver.pk, True) for _ in range(THREADS)]

    results, errors = race(jobs)

    assert len(results) == 1, errors
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, RuleViolation) for e in errors), errors
    assert {e.code for e in errors} == {"state_conflict"}
    assert reload(milestone).status == "approved"
    assert Approval.objects.filter(milestone=milestone).count() == 1
    assert Approval.objects.get(milestone=milestone).pk == results[0].pk
    assert AuditEvent.objects.filter(action="milestone.approved").count() == 1
    assert DomainEvent.objects.filter(name="milestone.approved").count() == 1
    expected_requests = 4 if open_items else 0
    assert SupportRequest.objects.filter(milestone=milestone).count() == expected_requests
    report = verify_chains()
    assert report.ok, report.reason


@pytest.mark.django_db(transaction=True)
def test_approvals_racing_change_requests_leave_one_outcome(review):
    """Half approve, half ask for changes: one wins, the rest conflict, the quota holds."""
    review.pass_all(1)
    milestone = review.m(1)
    jobs = []
    for i in range(THREADS):
        if i % 2:
            jobs.append(approve_job(milestone.pk, review.approver.pk, True))
        else:
            jobs.append(request_changes_job(milestone.pk, review.approver.pk))

    results, errors = race(jobs)

    assert len(results) == 1, errors
    assert {getattr(e, "code", repr(e)) for e in errors} == {"state_conflict"}
    m = reload(milestone)
    approvals = Approval.objects.filter(milestone=m).count()
    changes = ChangeRequest.objects.filter(milestone=m).count()
    assert approvals + changes == 1
    if approvals:
        assert (m.status, m.revisions_used) == ("approved", 0)
    else:
        assert (m.status, m.revisions_used) == ("changes_requested", 1)
    state_changes = AuditEvent.objects.filter(
        action__in=["milestone.approved", "milestone.changes_requested"]
    )
    assert state_changes.count() == 1
    assert verify_chains().ok


@pytest.mark.django_db(transaction=True)
def test_support_requests_racing_for_the_last_revision_take_it_once(review):
    review.pass_all(1)
    review.approve(1)
    milestone = review.m(1)
    assert milestone.revision_quota - milestone.revisions_used == 2

    def file_job():
        actor = User.objects.get(pk=review.approver.pk)
        m = reload(milestone.pk)
        return lambda: reviews.support_request_file(milestone=m, actor=actor, description="Fix")

    results, errors = race([file_job for _ in range(10)])

    assert len(results) == 2, errors
    assert {getattr(e, "code", repr(e)) for e in errors} == {"revision_quota_exhausted"}
    m = reload(milestone)
    assert (m.revisions_used, m.revision_quota) == (2, 2)
    assert SupportRequest.objects.filter(milestone=m).count() == 2
    assert AuditEvent.objects.filter(action="support_request.filed").count() == 2
    assert verify_chains().ok
