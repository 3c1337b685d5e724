"""A project created with its own settings keeps them; the organisation's fill in the rest."""

import pytest

from milepost.plans import services as plans

pytestmark = pytest.mark.django_db


def test_settings_given_on_create_win_over_the_organisations(world):
    world.organisation.payment_terms_days = 30
    world.organisation.save(update_fields=["payment_terms_days"])
    project = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Own terms",
        currency="EUR",
        total_budget="1000.00",
        start_date="2027-01-04",
        payment_terms_days=7,
        sequential_gating=False,
        auto_approve_days=5,
    )
    project.refresh_from_db()
    assert (project.payment_terms_days, project.sequential_gating) == (7, False)
    assert project.auto_approve_days == 5
    assert project.pay_before_next == world.organisation.pay_before_next  # not given: inherited
