"""The bench rule of issue 15: an approval with 3 enabled endpoints costs at most 10 % more
than one with none, because the request only inserts pending deliveries (the HTTP requests are
the worker's). Measured in database queries, which do not move with the machine's load; the
time is printed (``-s``) for the record."""

from __future__ import annotations

import os
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from milepost.core import clock
from milepost.integrations.models import WebhookDelivery
from milepost.reviews.services import milestone_approve

from ..reviews.conftest import activate, cycle_for
from .conftest import T0

#: Approvals measured each way; ``make bench`` asks for more (``MILEPOST_COST_ROUNDS``).
ROUNDS = int(os.environ.get("MILEPOST_COST_ROUNDS", "3"))


def _approvals(world, make_project, committed) -> tuple[int, float]:
    """Queries of one approval (the last) and the median time of ``ROUNDS`` approvals."""
    cycles = []
    with clock.frozen(T0):
        for n in range(ROUNDS):
            project = activate(make_project(name=f"Shop {n}"), world.owner, world.contact)
            c = cycle_for(world, project)
            c.to_review()
            c.pass_all()
            cycles.append(c)
        spent = []
        for c in cycles:
            milestone = c.m(1)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                committed(milestone_approve, milestone=milestone, actor=c.approver)
                spent.append(time.perf_counter() - started)
    return len(queries), statistics.median(spent)


def test_an_approval_with_3_endpoints_costs_at_most_10_percent_more(
    world, make_project, endpoint_for, committed, settings
):
    # The worker's queue, as in production: enqueueing is a row, sending is another process's.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    none_queries, none_time = _approvals(world, make_project, committed)
    for n in range(3):
        endpoint_for(f"http://127.0.0.1:9/hook-{n}")
    three_queries, three_time = _approvals(world, make_project, committed)
    assert WebhookDelivery.objects.filter(event__type="milestone.approved").count() == 3 * ROUNDS
    print(
        f"\napproval (median of {ROUNDS}): {none_queries} queries, {none_time * 1000:.1f} ms "
        f"without endpoints; {three_queries} queries, {three_time * 1000:.1f} ms with 3 "
        f"({(three_time / none_time - 1) * 100:+.1f} %)"
    )
    assert three_queries <= none_queries * 1.10, (none_queries, three_queries)
