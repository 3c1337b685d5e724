"""The forecast's fixtures: the accepted website-cms plan (``test_timeline.accepted``) and the
same plan with progress, shared with the timeline's pages and API tests."""

from __future__ import annotations

import datetime as dt

import pytest

from milepost.core import clock
from milepost.plans.models import Milestone
from milepost.reviews import services as reviews
from tests.reviews.conftest import fresh, make_project  # noqa: F401  (the fixture)

from .books import TODAY, books  # noqa: F401  (the cash-flow example's fixture)
from .helpers import approve_review, at, deliver, m, reload, start
from .test_timeline import accepted  # noqa: F401  (the fixture)


@pytest.fixture
def progressed(world, accepted):  # noqa: F811  (the fixture imported above)
    """Milestone 1 of the accepted plan renamed with XML's special characters, started,
    delivered twice (changes requested between) and approved; milestone 2 started."""
    first = m(accepted, 1)
    Milestone.objects.filter(pk=first.pk).update(title='Design <&> "layout" & co')
    start(world, accepted, 1, dt.date(2027, 1, 4))
    deliver(world, accepted, 1, dt.date(2027, 1, 8))
    with clock.frozen(at(dt.date(2027, 1, 11))):
        reviews.milestone_request_changes(
            milestone=m(accepted, 1), actor=fresh(world.contact), feedback="Bigger logo"
        )
    deliver(world, accepted, 1, dt.date(2027, 1, 13))
    approve_review(world, accepted, 1, dt.date(2027, 1, 20))
    start(world, accepted, 2, dt.date(2027, 1, 21))
    return reload(accepted)
