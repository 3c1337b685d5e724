"""The agency dashboard counts projects, not their milestones."""

import pytest

from milepost.plans import services as plans

pytestmark = pytest.mark.django_db


def test_project_counts_by_status_count_each_project_once(world, client):
    for n in range(2):
        plans.project_create(
            organisation=world.organisation,
            client=world.client,
            actor=world.owner,
            name=f"Shop {n}",
            currency="EUR",
            total_budget="10000.00",
            start_date="2027-01-04",
            template="website-cms",
        )
    client.force_login(world.owner)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["by_status"] == [("Draft", 2)]
