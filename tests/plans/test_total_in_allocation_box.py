"""The plan editor's allocation box edits the total budget; a refusal is said beside it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from milepost.plans.models import Project

pytestmark = pytest.mark.django_db


def _allocation(page: str) -> str:
    match = re.search(r'<section class="card allocation" id="allocation".*?</section>', page, re.S)
    assert match, "no allocation box"
    return match.group(0)


def _web(user) -> Client:
    web = Client()
    web.force_login(user)
    return web


def test_the_total_is_edited_in_the_allocation_box(world, make_project):
    project = make_project()
    web = _web(world.manager)
    box = _allocation(web.get(f"/projects/{project.pk}/plan/").content.decode())
    assert f'action="/projects/{project.pk}/total/"' in box
    assert 'name="total_budget"' in box and 'value="10000.00"' in box
    # The settings form below no longer carries a second total.
    page = web.get(f"/projects/{project.pk}/plan/").content.decode()
    assert page.count('name="total_budget"') == 1

    response = web.post(f"/projects/{project.pk}/total/", {"total_budget": "12000.00"})
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/plan/#allocation"
    project.refresh_from_db()
    assert project.total_budget == Decimal("12000.00")
    box = _allocation(web.get(f"/projects/{project.pk}/plan/").content.decode())
    assert "€2,000.00 not yet allocated" in box


def test_a_refused_total_is_said_beside_it_and_kept_as_typed(world, make_project):
    project = make_project()
    response = _web(world.manager).post(
        f"/projects/{project.pk}/total/", {"total_budget": "12.345"}
    )

    assert response.status_code == 400
    box = _allocation(response.content.decode())
    assert 'value="12.345"' in box and 'aria-invalid="true"' in box
    assert re.search(r'<ul class="errors" id="id_total_budget_error"', box)
    assert Project.objects.get(pk=project.pk).total_budget == Decimal("10000.00")
