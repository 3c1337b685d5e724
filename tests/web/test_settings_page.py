"""Settings tells an owner that nothing is waiting, rather than hiding the lists."""

import pytest


@pytest.mark.parametrize("role", ["owner"])
def test_owner_sees_empty_states_for_undelivered_emails_and_ignored_payments(world, client, role):
    client.force_login(world.user(role))
    page = client.get("/settings/").content.decode()
    assert 'id="undelivered"' in page
    assert "Every email has been delivered." in page
    assert 'id="stripe-ignored"' in page
    assert "When Stripe reports a payment that does not match an open invoice" in page


@pytest.mark.parametrize("role", ["manager", "member", "contact"])
def test_other_roles_do_not_see_the_owner_lists(world, client, role):
    client.force_login(world.user(role))
    page = client.get("/settings/").content.decode()
    assert 'id="undelivered"' not in page
    assert 'id="stripe-ignored"' not in page
