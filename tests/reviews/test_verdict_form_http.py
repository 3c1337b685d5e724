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


def test_a_full_storage_quota_is_said_beside_the_files():
    from milepost.core.errors import RuleViolation
    from milepost.web.forms import apply_refusal
    from milepost.web.review_forms import DeliverForm, VerdictForm

    refusal = RuleViolation("Past the storage quota.", code="storage_quota_exceeded")
    form = DeliverForm({"notes": "Ready"})
    form.is_valid()
    apply_refusal(form, refusal)
    assert form.errors == {"files": ["Past the storage quota."]}
    # A form without that field shows it at its top.
    other = VerdictForm({"status": "passed"})
    other.is_valid()
    apply_refusal(other, refusal)
    assert other.non_field_errors() == ["Past the storage quota."]
