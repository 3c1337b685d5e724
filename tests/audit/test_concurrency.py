"""Writers racing on one organisation's chain queue up: no forks, no gaps, no duplicates.

These tests commit for real (transaction=True) and use one database connection per thread, as
separate web workers would.
"""

import threading

import pytest
from django.db import connection

from milepost.accounts import services
from milepost.accounts.models import Client, Organisation, User
from milepost.audit.models import AuditChainHead, AuditEvent
from milepost.audit.verify import verify_chains

THREADS = 16


def run_at_once(jobs) -> list[BaseException]:
    """Start every job at the same moment in its own thread; return the errors they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job):
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    return errors


def create_client_job(organisation_id: int, user_id: int, name: str):
    def job():
        # Fresh rows per thread, as a new request would load them.
        organisation = Organisation.objects.get(pk=organisation_id)
        actor = User.objects.get(pk=user_id)
        services.client_create(organisation=organisation, actor=actor, name=name)

    return job


def sequences(chain: str) -> list[int]:
    return list(
        AuditEvent.objects.filter(chain=chain)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_one_organisation_make_one_unbroken_chain(world):
    org, owner = world.organisation, world.owner
    jobs = [create_client_job(org.pk, owner.pk, f"Racer {i:02d}") for i in range(THREADS)]

    errors = run_at_once(jobs)

    assert errors == []
    assert Client.objects.filter(organisation=org, name__startswith="Racer").count() == THREADS
    chain = f"org:{org.pk}"
    assert sequences(chain) == list(range(1, THREADS + 1))
    head = AuditChainHead.objects.get(chain=chain)
    last = AuditEvent.objects.get(chain=chain, sequence=THREADS)
    assert (head.last_sequence, head.last_hash) == (THREADS, last.hash)
    report = verify_chains()
    assert report.ok, report.reason
    assert report.checked == THREADS


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_two_organisations_keep_separate_chains(world):
    """Two chains written at once, the second already started: each stays contiguous."""
    other, outsider = world.other_organisation, world.outsider
    services.client_create(organisation=other, actor=outsider, name="Before the race")
    jobs = []
    for i in range(THREADS // 2):
        jobs.append(create_client_job(world.organisation.pk, world.manager.pk, f"Ours {i}"))
        jobs.append(create_client_job(other.pk, outsider.pk, f"Theirs {i}"))

    errors = run_at_once(jobs)

    assert errors == []
    assert sequences(f"org:{world.organisation.pk}") == list(range(1, THREADS // 2 + 1))
    assert sequences(f"org:{other.pk}") == list(range(1, THREADS // 2 + 2))
    report = verify_chains()
    assert report.ok, report.reason
    assert report.checked == THREADS + 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_writer_in_the_race_leaves_no_hole(world):
    """Half the threads ask for a name that is taken; only the others take a sequence number."""
    org, owner = world.organisation, world.owner
    jobs = [
        create_client_job(org.pk, owner.pk, "Acme Shop" if i % 2 else f"Fresh {i}")
        for i in range(THREADS)
    ]

    errors = run_at_once(jobs)

    assert len(errors) == THREADS // 2
    assert {type(e).__name__ for e in errors} == {"InvalidInput"}
    assert sequences(f"org:{org.pk}") == list(range(1, THREADS // 2 + 1))
    assert verify_chains().ok
