"""A test result saved without Passed or Failed is refused beside that choice, and nothing saved."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from milepost.reviews.models import Verdict

pytestmark = pytest.mark.django_db


def _verdict_form(page: str, deliverable_id: int) -> str:
    match = re.search(
        rf"<form[^>]*/deliverables/{deliverable_id}/verdict/[^>]*>.*?</form>", page, re.S
    )
    assert match, "no verdict form"
    return match.group(0)


def test_a_missing_choice_is_said_beside_the_choice_not_the_note(cycle):
    cycle.to_review(1)
    first, *_ = cycle.deliverables(1)
    web = Client()
    web.force_login(cycle.approver)
    url = f"/milestones/{cycle.m(1).pk}/deliverables/{first.pk}/verdict/"
    response = web.post(url, {f"v{first.pk}-note": "Looks fine to me"})

    assert response.status_code == 400
    form = _verdict_form(response.content.decode(), first.pk)
    choice = form[form.index("<fieldset") : form.index("</fieldset>")]
    assert "This field is required." in choice
    after_note = form[form.index(f'name="v{first.pk}-note"') :]
    assert "This field is required." not in after_note
    assert 'value="Looks fine to me"' in form  # what was typed is kept
    assert not Verdict.objects.filter(deliverable=first).exists()


def test_approving_with_open_items_unconfirmed_is_said_beside_the_confirmation(cycle):
    cycle.to_review(1)
    web = Client()
    web.force_login(cycle.approver)
    response = web.post(f"/milestones/{cycle.m(1).pk}/approve/", {"note": "Almost there"})

    assert response.status_code == 400
    page = response.content.decode()
    blocks = re.findall(r'<div class="field[^"]*">.*?</div>', page, re.S)
    checkbox = next(b for b in blocks if 'name="accept_open_items"' in b)
    assert "have not passed. Confirm that you approve" in checkbox
    assert 'aria-invalid="true"' in checkbox
    assert "Almost there" in page
    assert cycle.m(1).status == "in_review"
