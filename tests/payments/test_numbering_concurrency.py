"""Fifty approvals at the same moment: fifty invoices numbered 0001..0050, no gaps, no twins.

These tests commit for real (transaction=True) and give every thread its own database
connection, as separate web workers would; each thread closes its connection when done.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from milepost.accounts.models import User
from milepost.audit.verify import verify_chains
from milepost.billing import services as billing
from milepost.billing.models import Invoice, InvoiceKind, InvoiceSequence
from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone, MilestoneStatus
from milepost.reviews import services as reviews

from .conftest import fresh, reload, reload_invoice

PROJECTS = 10
PER_PROJECT = 5  # website-cms has five milestones
THREADS = PROJECTS * PER_PROJECT

pytestmark = pytest.mark.django_db(transaction=True)


def race(jobs) -> tuple[list[object], list[BaseException]]:
    """Prepare every job in its own thread, release them together; return results and errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(prepare):
        try:
            call = prepare()  # loads its rows on its own connection before the start
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
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


@pytest.fixture(autouse=True)
def _mail_stays_queued(settings):
    """Invoice e-mails (each with its PDF) stay in the outbox: rendering fifty PDFs after commit
    would take most of the time and test nothing about numbering."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def ungated(project) -> None:
    owner = project.organisation.memberships.filter(role="owner").first().user
    plans.project_update(project=project, actor=fresh(owner), sequential_gating=False)


@pytest.fixture
def in_review(money) -> list[int]:
    """Ten active projects without gating, every milestone delivered and waiting for approval."""
    member = fresh(money.world.member)
    pks = []
    for n in range(PROJECTS):
        project = money.project(prepare=ungated, name=f"Shop {n}")
        for milestone in Milestone.objects.filter(project=project).order_by("position"):
            reviews.milestone_start(milestone=reload(milestone), actor=member)
            reviews.milestone_deliver(milestone=reload(milestone), actor=member, notes="Done.")
            pks.append(milestone.pk)
    assert len(pks) == THREADS
    return pks


@pytest.fixture
def planned(money) -> list[int]:
    """Ten active projects, fifty planned milestones (invoice_issue needs no review state)."""
    pks = []
    for n in range(PROJECTS):
        project = money.project(name=f"Shop {n}")
        pks += list(
            Milestone.objects.filter(project=project)
            .order_by("position")
            .values_list("pk", flat=True)
        )
    assert len(pks) == THREADS
    return pks


def expected_numbers(count: int, first: int = 1) -> list[str]:
    year = clock.today().year
    return [f"INV-{year}-{n:04d}" for n in range(first, first + count)]


def assert_gapless(organisation, count: int) -> list[Invoice]:
    invoices = list(Invoice.objects.filter(organisation=organisation).order_by("sequence"))
    assert [i.number for i in invoices] == expected_numbers(count)
    assert [i.sequence for i in invoices] == list(range(1, count + 1))
    assert len({i.number for i in invoices}) == count
    sequence = InvoiceSequence.objects.get(organisation=organisation, year=clock.today().year)
    assert sequence.last_number == count
    return invoices


def test_fifty_concurrent_approvals_take_fifty_consecutive_numbers(money, in_review):
    approver_pk = money.world.contact.pk

    def job(milestone_pk):
        def prepare():
            actor = User.objects.get(pk=approver_pk)
            milestone = reload(milestone_pk)
            assert milestone.status == MilestoneStatus.IN_REVIEW
            return lambda: reviews.milestone_approve(
                milestone=milestone, actor=actor, accept_open_items=True
            )

        return prepare

    started = time.monotonic()
    results, errors = race([job(pk) for pk in in_review])
    assert errors == []
    assert len(results) == THREADS
    assert time.monotonic() - started < 60

    invoices = assert_gapless(money.organisation, THREADS)
    assert {i.milestone_id for i in invoices} == set(in_review)  # one each, none twice
    assert all(i.kind == InvoiceKind.INVOICE for i in invoices)
    assert set(Milestone.objects.filter(pk__in=in_review).values_list("status", flat=True)) == {
        MilestoneStatus.APPROVED
    }
    assert verify_chains().ok


def test_fifty_threads_issuing_directly_and_twice_each_milestone(money, planned):
    """invoice_issue from 50 threads on 50 milestones, plus a second attempt on ten of them."""

    def job(milestone_pk):
        def prepare():
            milestone = reload(milestone_pk)
            return lambda: billing.invoice_issue(milestone=milestone, trigger="on_approval")

        return prepare

    twice = planned[:10]
    results, errors = race([job(pk) for pk in [*planned, *twice]])
    assert len(results) == THREADS
    assert len(errors) == len(twice)
    assert {getattr(e, "code", repr(e)) for e in errors} == {"already_invoiced"}
    invoices = assert_gapless(money.organisation, THREADS)
    assert sorted(i.milestone_id for i in invoices) == sorted(planned)
    assert verify_chains().ok


def test_voids_and_payments_race_with_new_invoices(money, planned):
    """Thirty invoices are issued while ten earlier ones are voided (each voiding takes a number
    for its credit note) and ten others are paid: numbers stay gapless, nothing deadlocks."""
    first, rest = planned[:20], planned[20:]
    for pk in first:
        billing.invoice_issue(milestone=reload(pk), trigger="on_approval")
    earlier = list(
        Invoice.objects.filter(milestone_id__in=first)
        .order_by("sequence")
        .values_list("pk", flat=True)
    )
    to_void, to_pay = earlier[::2], earlier[1::2]
    owner_pk, manager_pk = money.world.owner.pk, money.world.manager.pk

    def issue(milestone_pk):
        def prepare():
            milestone = reload(milestone_pk)
            return lambda: billing.invoice_issue(milestone=milestone, trigger="on_approval")

        return prepare

    def void(invoice_pk):
        def prepare():
            invoice = reload_invoice(invoice_pk)
            actor = User.objects.get(pk=owner_pk)
            return lambda: billing.invoice_void(invoice=invoice, actor=actor)

        return prepare

    def pay(invoice_pk):
        def prepare():
            invoice = reload_invoice(invoice_pk)
            actor = User.objects.get(pk=manager_pk)
            return lambda: billing.payment_record(
                invoice=invoice,
                amount=invoice.outstanding,
                date=clock.today(),
                method="bank_transfer",
                actor=actor,
            )

        return prepare

    jobs = [issue(pk) for pk in rest] + [void(pk) for pk in to_void] + [pay(pk) for pk in to_pay]
    results, errors = race(jobs)
    assert errors == []
    assert len(results) == len(jobs)
    invoices = assert_gapless(money.organisation, len(planned) + len(to_void))
    notes = [i for i in invoices if i.kind == InvoiceKind.CREDIT_NOTE]
    assert sorted(n.credit_note_for_id for n in notes) == sorted(to_void)
    assert set(Invoice.objects.filter(pk__in=to_void).values_list("status", flat=True)) == {"void"}
    assert set(Invoice.objects.filter(pk__in=to_pay).values_list("status", flat=True)) == {"paid"}
    assert verify_chains().ok
