"""The books of the cash-flow worked example: a fixture, imported by the conftest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.forecast import services

from ..factories import ClientFactory
from .helpers import accepted_project, approve, milestone, pay, start

TODAY = dt.date(2027, 1, 4)  # a Monday
D = dt.date


@pytest.fixture
def books(world):
    """Northwind (19% tax) and three projects, as of Monday 4 January 2027:

    - Acme's shop (EUR): "Design" (1000.00, billed on start, 4 to 15 Jan) and "Build" (3000.00,
      on approval, 18 Jan to 12 Feb), untouched.
    - Acme's audit (EUR, completed): 100.00 approved 1 Dec (due 15 Dec, unpaid: overdue) and
      200.00 approved 28 Dec (due 11 Jan).
    - Bolt's app (GBP): two milestones of 500.00 approved 13 and 27 Nov, paid 3 and 7 days
      after their due dates (Bolt pays 5 days late on average), and "Launch" (2000.00, 30 Nov to
      29 Jan) in progress.
    """
    world.organisation.tax_rate = Decimal("19.00")
    world.organisation.save()
    acme = world.client
    bolt = ClientFactory(organisation=world.organisation, name="Bolt Motors")
    shop = accepted_project(
        world,
        client=acme,
        name="Acme shop",
        currency="EUR",
        accepted_on=D(2026, 12, 30),
        milestones=[
            milestone("Design", "1000.00", D(2027, 1, 4), D(2027, 1, 15), "on_start"),
            milestone("Build", "3000.00", D(2027, 1, 18), D(2027, 2, 12)),
        ],
    )
    audit = accepted_project(
        world,
        client=acme,
        name="Acme audit",
        currency="EUR",
        accepted_on=D(2026, 11, 20),
        milestones=[
            milestone("Review", "100.00", D(2026, 11, 23), D(2026, 12, 1)),
            milestone("Report", "200.00", D(2026, 12, 2), D(2026, 12, 28)),
        ],
    )
    approve(world, audit, 1, D(2026, 12, 1))
    approve(world, audit, 2, D(2026, 12, 28))
    app = accepted_project(
        world,
        client=bolt,
        name="Bolt app",
        currency="GBP",
        accepted_on=D(2026, 10, 28),
        milestones=[
            milestone("Sketch", "500.00", D(2026, 11, 2), D(2026, 11, 13)),
            milestone("Beta", "500.00", D(2026, 11, 16), D(2026, 11, 27)),
            milestone("Launch", "2000.00", D(2026, 11, 30), D(2027, 1, 29)),
        ],
    )
    first = approve(world, app, 1, D(2026, 11, 13))  # due 27 Nov
    pay(world, first, D(2026, 11, 30))  # 3 days late
    second = approve(world, app, 2, D(2026, 11, 27))  # due 11 Dec
    pay(world, second, D(2026, 12, 18))  # 7 days late
    start(world, app, 3, D(2026, 11, 30))
    services.refresh_all(today=TODAY)
    world.bolt, world.shop, world.audit, world.app = bolt, shop, audit, app
    return world
