"""The "New project" page: the form as a browser posts it, for every client in the picker."""

from __future__ import annotations

import re

import pytest

from milepost.plans.models import Project
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<]+)</option>')


def client_options(html: str) -> dict[str, int]:
    """The client picker's options (name → id), as the page offers them."""
    picker = html[html.index('name="client"') :]
    picker = picker[: picker.index("</select>")]
    return {name: int(value) for value, name in OPTION.findall(picker)}


@pytest.mark.parametrize("which", ["Acme Shop", "Birch Bakery", "Zephyr Zines"])
def test_a_project_is_created_for_any_client_in_the_picker(world, client, which):
    ClientFactory(organisation=world.organisation, name="Birch Bakery")
    ClientFactory(organisation=world.organisation, name="Zephyr Zines")
    client.force_login(world.owner)

    page = client.get("/projects/new/")
    assert page.status_code == 200
    options = client_options(page.content.decode())
    assert list(options) == ["Acme Shop", "Birch Bakery", "Zephyr Zines"]

    response = client.post(
        "/projects/new/",
        {
            "client": options[which],
            "name": f"Website for {which}",
            "currency": "EUR",
            "total_budget": "10000.00",
            "start_date": "2026-03-02",
            "template": "website-cms",
            "summary": "",
        },
    )
    assert response.status_code == 302, response.content[:500]
    project = Project.objects.get(name=f"Website for {which}")
    assert project.client_id == options[which]
    assert project.client.name == which
    assert response["Location"] == f"/projects/{project.pk}/plan/"
