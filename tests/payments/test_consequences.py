"""What a binding action says it will do before it is taken (reviews/consequences.py), and the
same text through the API's previews and the web's confirmation (dialog, or a page without JS)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from milepost.accounts.models import Role
from milepost.billing.models import InvoiceStatus, Payment
from milepost.core.errors import RuleViolation
from milepost.plans import services as plans
from milepost.plans.lifecycle.milestone import MilestoneAction
from milepost.plans.models import Milestone, MilestoneStatus, Project
from milepost.reviews import consequences
from milepost.reviews import services as reviews
from milepost.reviews.services.start import start_refusal

from .conftest import fresh, money_rows, reload_invoice
from .test_invoices import on_start, pay_before_next


def said(consequence) -> str:
    return consequence.summary


# --- Approving -----------------------------------------------------------------------------------


def test_approval_states_the_invoice_the_window_and_what_it_unlocks(money):
    project = money.project()
    milestone = money.to_review(project, 1)
    text = said(consequences.approval(milestone))
    second = Milestone.objects.get(project=project, position=2)
    assert text.startswith(
        "Approving issues an invoice for €2,380.00 (€2,000.00 + 19 % VAT), payable within 14 "
        "days, opens a 14-day support window for small fixes and lets milestone 2 "
        f"(“{second.title}”) start."
    )
    facts = consequences.approval(milestone).facts
    assert facts["invoice"]["gross"] == "2380.00"
    assert facts["invoice"]["tax"] == "380.00"
    assert facts["unlocks"]["id"] == second.pk
    assert facts["open_items"] == 4  # nothing tested yet
    assert "4 deliverables have not passed: they become support requests" in text


def test_approval_follows_the_clients_tax_and_the_projects_terms(money):
    client = money.world.client
    client.reverse_charge = True
    client.save()

    def prepare(project: Project) -> None:
        owner = project.organisation.memberships.filter(role=Role.OWNER).first().user
        plans.project_update(project=project, actor=fresh(owner), payment_terms_days=30)

    project = money.project(prepare=prepare)
    milestone = money.to_review(project, 1)
    text = said(consequences.approval(milestone))
    assert "€2,000.00 (reverse charge: no VAT charged), payable within 30 days" in text
    money.approve(project, 1)
    invoice = money.invoice(project, 1)
    assert invoice.gross == Decimal("2000.00")  # what was said is what was invoiced
    assert (invoice.due_date - invoice.issue_date).days == 30


def test_approval_with_pay_before_next_says_the_next_waits_for_payment(money):
    project = money.project(prepare=pay_before_next)
    text = said(consequences.approval(money.to_review(project, 1)))
    assert "start once this invoice is paid" in text


def test_approval_of_a_prepaid_milestone_invoices_nothing_more(money):
    project = money.project(prepare=on_start(1))
    money.start(project, 1)
    invoice = money.invoice(project, 1, trigger="on_start")
    money.pay(invoice)
    text = said(consequences.approval(money.to_review(project, 1)))
    assert "issues an invoice" not in text
    assert f"It was invoiced when work started ({invoice.number})" in text


def test_approving_the_last_milestone_completes_the_project(money):
    project = money.project()
    for position in range(1, 5):
        money.approved(project, position)
    text = said(consequences.approval(money.to_review(project, 5)))
    assert "completes the project" in text
    assert "lets milestone" not in text


# --- Requesting changes --------------------------------------------------------------------------


def test_requesting_changes_says_how_many_revisions_remain(money):
    project = money.project()
    milestone = money.to_review(project, 1)
    assert milestone.revisions_left == 2
    assert "1 of 2 is left after this one" in said(consequences.request_changes(milestone))
    from milepost.reviews import services as reviews

    reviews.milestone_request_changes(
        milestone=milestone, actor=fresh(money.world.contact), feedback="Bigger logo"
    )
    milestone = money.to_review(project, 1)
    last = consequences.request_changes(milestone)
    assert "This uses your last revision: none is left after this one." in said(last)
    assert last.facts["revisions_left_after"] == 0


# --- The plan ------------------------------------------------------------------------------------


def draft(money) -> Project:
    """A valid draft of the website-cms template, never proposed, no one given access."""
    return plans.project_create(
        organisation=money.organisation,
        client=money.world.client,
        actor=fresh(money.world.owner),
        template="website-cms",
        name="Draft",
        currency="EUR",
        total_budget="10000.00",
        start_date="2027-01-04",
    )


def test_proposing_names_who_is_told(money):
    project = draft(money)
    alone = consequences.proposal(project)
    assert "Nobody can accept it yet" in said(alone)
    plans.project_access_grant(
        project=project, email=money.world.contact.email, role="approver", actor=money.world.owner
    )
    text = said(consequences.proposal(project))
    assert "(€10,000.00 in 5 milestones) to Acme Shop" in text
    assert f"Its approvers ({money.world.contact.email}) are told by email" in text


@pytest.mark.parametrize("page", ["/projects/{pk}/", "/projects/{pk}/plan/"])
def test_every_propose_button_asks_first(money, page):
    """Each form that proposes names its dialog, carries ``confirm=ask`` and the dialog is on
    the page (the plan editor's button proposed at once)."""
    project = draft(money)
    html = web_as(money.world.owner).get(page.format(pk=project.pk)).content.decode()
    forms = re.findall(
        rf'<form[^>]*action="/projects/{project.pk}/propose/"[^>]*>.*?</form>', html, re.S
    )
    assert forms
    for form in forms:
        dialog = re.search(r'data-confirm="([^"]+)"', form)
        assert dialog, form
        assert 'name="confirm" value="ask"' in form
        assert f'<dialog class="confirm" id="{dialog.group(1)}"' in html
    assert "(€10,000.00 in 5 milestones) to Acme Shop" in html


def test_accepting_says_the_baseline_and_the_first_invoice(money):
    project = money.project(prepare=on_start(1))
    text = said(consequences.acceptance(project))
    assert "Accepting makes this plan the baseline (v1)" in text
    assert "The first invoice, €2,380.00 (€2,000.00 + 19 % VAT)" in text
    assert "issued when the agency starts it (a prepayment" in text


# --- Money ---------------------------------------------------------------------------------------


def test_a_payment_says_the_status_it_leaves(money):
    invoice = money.approved(money.project(), 1)
    part = consequences.payment(invoice, amount="100.00")
    assert part.facts["status_after"] == InvoiceStatus.PARTIALLY_PAID
    assert "partially paid, with €2,280.00 outstanding" in said(part)
    full = consequences.payment(invoice, amount="2380.00")
    assert full.facts["status_after"] == InvoiceStatus.PAID
    assert f"{invoice.number} is then paid in full." in said(full)


@pytest.mark.parametrize("amount", ["", "abc", "0", "-5", "2380.01", "1.001"])
def test_a_payment_preview_refuses_what_the_payment_would(money, amount):
    from milepost.core.errors import InvalidInput

    invoice = money.approved(money.project(), 1)
    with pytest.raises(InvalidInput) as refused:
        consequences.payment(invoice, amount=amount)
    assert "amount" in refused.value.details


def test_a_prepayment_says_it_releases_its_milestone(money):
    project = money.project(prepare=on_start(1))
    money.start(project, 1)
    invoice = money.invoice(project, 1, trigger="on_start")
    text = consequences.payment(invoice, amount=str(invoice.outstanding))
    assert "It is the prepayment of milestone 1" in said(text)
    assert text.facts["releases"]["position"] == 1


def test_a_reversal_says_what_happens_to_what_it_released(money):
    project = money.project(prepare=on_start(1))
    money.start(project, 1)
    invoice = money.invoice(project, 1, trigger="on_start")
    payment = money.pay(invoice)
    payment = Payment.objects.select_related("invoice").get(pk=payment.pk)
    text = said(consequences.reversal(payment))
    assert "goes back to awaiting its prepayment" in text
    assert f"{invoice.number} is then unpaid again (€2,380.00)" in text
    money.to_review(project, 1)
    payment = Payment.objects.select_related("invoice").get(pk=payment.pk)
    assert "stays in review: work on it has been delivered" in said(consequences.reversal(payment))


# --- Through the API -----------------------------------------------------------------------------


def test_the_api_previews_approval_with_the_same_text(money, api_as):
    project = money.project()
    milestone = money.to_review(project, 1)
    response = api_as(fresh(money.world.contact)).get(
        f"/api/v1/milestones/{milestone.pk}/approval-preview/"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "approve"
    assert body["summary"] == consequences.approval(milestone).summary
    assert body["facts"]["invoice"]["gross"] == "2380.00"


def test_an_approval_preview_outside_review_is_refused_as_approval_would(money, api_as):
    project = money.project()
    milestone = money.start(project, 1)
    response = api_as(fresh(money.world.contact)).get(
        f"/api/v1/milestones/{milestone.pk}/approval-preview/"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_the_api_approval_answers_with_the_issued_invoice(money, api_as):
    project = money.project()
    milestone = money.to_review(project, 1)
    response = api_as(fresh(money.world.contact)).post(
        f"/api/v1/milestones/{milestone.pk}/approve/", {"accept_open_items": True}, format="json"
    )
    assert response.status_code == 200, response.content
    invoice = money.invoice(project, 1)
    assert response.json()["status"] == "approved"
    assert response.json()["invoice"]["id"] == invoice.pk
    assert response.json()["invoice"]["number"] == invoice.number
    assert response.json()["invoice"]["url"].endswith(f"/api/v1/invoices/{invoice.pk}/")
    assert response.json()["invoice"]["web_url"].endswith(f"/invoices/{invoice.pk}/")


def test_the_api_approval_of_a_prepaid_milestone_names_no_invoice(money, api_as):
    project = money.project(prepare=on_start(1))
    money.start(project, 1)
    money.pay(money.invoice(project, 1, trigger="on_start"))
    milestone = money.to_review(project, 1)
    response = api_as(fresh(money.world.contact)).post(
        f"/api/v1/milestones/{milestone.pk}/approve/", {"accept_open_items": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["invoice"] is None


@pytest.fixture
def paid(money):
    invoice = money.approved(money.project(), 1)
    payment = money.pay(invoice)
    return reload_invoice(invoice), payment


def reverse_url(invoice, payment) -> str:
    return f"/api/v1/invoices/{invoice.pk}/payments/{payment.pk}/reverse/"


def test_the_api_reverses_a_payment(money, api_as, paid):
    invoice, payment = paid
    http = api_as(fresh(money.world.manager))
    preview = http.get(f"/api/v1/invoices/{invoice.pk}/payments/{payment.pk}/reversal-preview/")
    assert preview.status_code == 200
    assert preview.json()["facts"]["status_after"] == "issued"
    response = http.post(reverse_url(invoice, payment), {"reason": "Twice"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "issued"
    assert body["paid"] == "0.00"
    assert body["payments"][0]["reversal"]["reason"] == "Twice"
    assert body["payments"][0]["reversal"]["reversed_by"] == money.world.manager.email
    again = http.post(reverse_url(invoice, payment), {"reason": "Twice"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_reversed"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}])
def test_the_api_wants_a_reason(money, api_as, paid, body):
    invoice, payment = paid
    before = money_rows()
    response = api_as(fresh(money.world.manager)).post(
        reverse_url(invoice, payment), body, format="json"
    )
    assert response.status_code == 400, response.content
    assert "reason" in response.json()["error"]["details"]
    assert money_rows() == before


def test_the_api_hides_other_organisations_payments(money, api_as, paid):
    invoice, payment = paid
    outsider = api_as(fresh(money.world.outsider))
    assert (
        outsider.post(reverse_url(invoice, payment), {"reason": "x"}, format="json").status_code
        == 404
    )
    other = money.approved(money.project(name="Other"), 1)
    mismatched = api_as(fresh(money.world.manager)).post(
        reverse_url(other, payment), {"reason": "x"}, format="json"
    )
    assert mismatched.status_code == 404
    assert reload_invoice(invoice).status == InvoiceStatus.PAID


def test_the_payment_preview_answers_400_for_a_bad_amount(money, api_as, paid):
    invoice = money.approved(money.project(name="Second"), 1)
    http = api_as(fresh(money.world.manager))
    bad = http.get(f"/api/v1/invoices/{invoice.pk}/payment-preview/?amount=lots")
    assert bad.status_code == 400
    assert "amount" in bad.json()["error"]["details"]
    good = http.get(f"/api/v1/invoices/{invoice.pk}/payment-preview/?amount=100.00")
    assert good.json()["facts"]["status_after"] == "partially_paid"


# --- Through the web -----------------------------------------------------------------------------


def web_as(user) -> Client:
    http = Client()
    http.force_login(fresh(user))
    return http


def test_without_js_approving_asks_on_a_page_first(money):
    project = money.project()
    milestone = money.to_review(project, 1)
    http = web_as(money.world.contact)
    url = f"/milestones/{milestone.pk}/approve/"
    before = money_rows()
    asked = http.post(url, {"confirm": "ask", "accept_open_items": "on", "note": "Fine"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Approving issues an invoice for €2,380.00 (€2,000.00 + 19 % VAT)" in page
    assert 'name="confirm" value="yes"' in page
    assert 'name="note" value="Fine"' in page  # what was typed is carried
    assert money_rows() == before
    assert money.m(project, 1).status == MilestoneStatus.IN_REVIEW
    done = http.post(url, {"confirm": "yes", "accept_open_items": "on", "note": "Fine"})
    assert done.status_code == 302
    invoice = money.invoice(project, 1)
    page = http.get(done["Location"]).content.decode()
    assert f'<a href="/invoices/{invoice.pk}/">{invoice.number}</a>' in page  # the message
    assert 'id="milestone-invoices"' in page


def test_the_milestone_page_shows_the_dialog_with_the_consequence(money):
    project = money.project()
    milestone = money.to_review(project, 1)
    page = web_as(money.world.contact).get(f"/milestones/{milestone.pk}/").content.decode()
    assert '<dialog class="confirm" id="confirm-approve"' in page
    assert 'data-confirm="confirm-approve"' in page
    assert "lets milestone 2" in page
    assert 'data-confirm="confirm-changes"' in page
    assert "1 of 2 is left after this one" in page


@pytest.mark.parametrize("role", ["member", "contact"])
def test_both_sides_see_the_milestones_invoice_once_approved(money, role):
    project = money.project()
    invoice = money.approved(project, 1)
    page = web_as(money.world.user(role)).get(f"/milestones/{invoice.milestone_id}/")
    text = page.content.decode()
    assert f'href="/invoices/{invoice.pk}/"' in text
    assert "<dialog" not in text  # nothing left to confirm on an approved milestone


def test_without_js_recording_a_payment_asks_with_the_resulting_status(money, paid):
    invoice = money.approved(money.project(name="Second"), 1)
    http = web_as(money.world.manager)
    url = f"/invoices/{invoice.pk}/payments/"
    form = {"amount": "100.00", "date": "2026-12-01", "method": "bank_transfer", "confirm": "ask"}
    asked = http.post(url, form)
    assert asked.status_code == 200
    assert "partially paid, with €2,280.00 outstanding" in asked.content.decode()
    assert reload_invoice(invoice).paid == Decimal("0.00")
    refused = http.post(url, {**form, "amount": "99999.00"})
    assert refused.status_code == 400  # the form again, the error beside the amount
    assert 'value="99999.00"' in refused.content.decode()


def test_the_payment_dialog_text_comes_from_the_preview(money, paid):
    invoice = money.approved(money.project(name="Second"), 1)
    http = web_as(money.world.manager)
    fragment = http.get(f"/invoices/{invoice.pk}/payments/preview/", {"amount": "2380.00"})
    assert fragment.status_code == 200
    assert f"{invoice.number} is then paid in full." in fragment.content.decode()
    assert http.get(f"/invoices/{invoice.pk}/payments/preview/", {"amount": "x"}).status_code == 400


def test_the_web_reverses_a_payment_with_a_reason(money, paid):
    invoice, payment = paid
    http = web_as(money.world.manager)
    page = http.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'data-confirm="confirm-reverse-{payment.pk}"' in page
    assert "is then unpaid again" in page
    url = f"/invoices/{invoice.pk}/payments/{payment.pk}/reverse/"
    missing = http.post(url, {"reason": ""})
    assert missing.status_code == 400
    assert reload_invoice(invoice).status == InvoiceStatus.PAID
    asked = http.post(url, {"reason": "Booked twice", "confirm": "ask"})
    assert asked.status_code == 200
    assert reload_invoice(invoice).status == InvoiceStatus.PAID
    done = http.post(url, {"reason": "Booked twice", "confirm": "yes"})
    assert done.status_code == 302
    assert reload_invoice(invoice).status == InvoiceStatus.ISSUED
    page = http.get(done["Location"]).content.decode()
    assert "Payment reversed." in page
    assert "Booked twice" in page
    assert f'data-confirm="confirm-reverse-{payment.pk}"' not in page  # reversed once


# --- What a dialog says is what the service then does (found in review) ------------------------


def test_a_prepayment_on_a_cancelled_project_does_not_say_work_begins(money):
    project = money.project(prepare=on_start(1))
    money.start(project, 1)
    invoice = reload_invoice(money.invoice(project, 1, trigger="on_start"))
    plans.project_cancel(project=project, actor=fresh(money.world.owner), reason="Stop")
    text = said(consequences.payment(reload_invoice(invoice), amount=str(invoice.outstanding)))
    assert "begins at once" not in text
    assert "The project is cancelled" in text
    money.pay(invoice)
    assert money.m(project, 1).status == MilestoneStatus.AWAITING_PREPAYMENT


def test_paying_on_a_project_on_hold_does_not_say_the_next_may_start(money):
    project = money.project(prepare=pay_before_next)
    invoice = money.approved(project, 1)
    plans.project_hold(project=project, actor=fresh(money.world.owner))
    invoice = reload_invoice(invoice)
    text = said(consequences.payment(invoice, amount=str(invoice.outstanding)))
    assert "it may start" not in text
    money.pay(invoice)
    assert start_refusal(money.m(project, 2)).code == "project_not_active"


def test_paying_a_prepayment_again_while_it_is_in_review_does_not_say_the_next_may_start(money):
    def prepare(project):
        pay_before_next(project)
        on_start(1)(project)

    project = money.project(prepare=prepare)
    money.start(project, 1)
    payment = money.pay(money.invoice(project, 1, trigger="on_start"))
    money.to_review(project, 1)
    reviews.payment_reverse_and_hold(
        payment=payment, reason="Bounced", actor=fresh(money.world.manager)
    )
    invoice = reload_invoice(money.invoice(project, 1, trigger="on_start"))
    text = said(consequences.payment(invoice, amount=str(invoice.outstanding)))
    assert "it may start" not in text
    money.pay(invoice)
    assert start_refusal(money.m(project, 2)).code == "previous_milestone_not_approved"


def test_approving_does_not_promise_the_next_start_while_an_earlier_invoice_is_unpaid(money):
    project = money.project(prepare=pay_before_next)
    first = money.pay(money.approved(project, 1))
    money.start(project, 2)
    manager = fresh(money.world.manager)
    reviews.payment_reverse_and_hold(payment=first, reason="Bounced", actor=manager)
    second = money.to_review(project, 2)
    text = said(consequences.approval(second))
    assert "start once this invoice is paid" not in text
    money.approve(project, 2)
    money.pay(money.invoice(project, 2))
    assert start_refusal(money.m(project, 3)).code == "payment_required"


def test_approving_promises_the_next_start_when_the_gate_will_open(money):
    project = money.project(prepare=pay_before_next)
    money.pay(money.approved(project, 1))
    money.start(project, 2)
    text = said(consequences.approval(money.to_review(project, 2)))
    assert "start once this invoice is paid" in text


def test_the_previews_refuse_as_the_actions_do(money):
    project = money.project()
    money.to_review(project, 1)
    plans.project_hold(project=project, actor=fresh(money.world.owner))
    contact = fresh(money.world.contact)
    for action in (MilestoneAction.APPROVE, MilestoneAction.REQUEST_CHANGES):
        with pytest.raises(RuleViolation) as refused:
            consequences.milestone_preview(contact, money.m(project, 1), action)
        assert refused.value.code == "project_on_hold"
    with pytest.raises(RuleViolation) as acted:
        reviews.milestone_approve(
            milestone=money.m(project, 1), actor=contact, accept_open_items=True
        )
    assert acted.value.code == "project_on_hold"


def test_the_changes_preview_refuses_when_no_revision_is_left(money):
    project = money.project()
    money.to_review(project, 1)
    Milestone.objects.filter(project=project, position=1).update(revisions_used=2, revision_quota=2)
    with pytest.raises(RuleViolation) as refused:
        consequences.milestone_preview(
            fresh(money.world.contact), money.m(project, 1), MilestoneAction.REQUEST_CHANGES
        )
    assert refused.value.code == "revision_quota_exhausted"
