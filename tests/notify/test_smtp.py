"""Emails through a real SMTP server on loopback (aiosmtpd), with retries while it is down.

Every email leaves through the outbox: the action's transaction writes an OutgoingEmail row,
and after commit the ``deliver_email`` task (ImmediateBackend in tests) hands it to Django's
SMTP backend, which talks to the server started here.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from milepost.core import clock
from milepost.mail.models import OutgoingEmail
from milepost.notify import delivery
from milepost.notify.models import Category
from milepost.plans.models import ProjectStatus

from .conftest import SITE_URL, START, at


@pytest.fixture
def sent(smtp, flow):
    """The draft project, the viewer's invitation (queued by the fixture) sent and forgotten."""
    assert delivery.send_due() == {"sent": 1}
    smtp.clear()
    return flow


@pytest.fixture
def live(smtp, flow):
    """The active project, its invitation emails already received (and forgotten)."""
    flow.activate()
    smtp.clear()
    return flow


UNSUBSCRIBE = re.compile(rf"^<{re.escape(SITE_URL)}/unsubscribe/([^/>]+)/>$")


def test_delivery_emails_the_approver_and_the_viewer(
    live, smtp, django_capture_on_commit_callbacks
):
    live.start(1)
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        live.deliver(1)

    milestone = live.m(1)
    received = smtp.messages()
    approver, viewer = live.approver, live.viewer
    assert sorted(r.rcpt_tos[0] for r in received) == sorted([approver.email, viewer.email])
    assert all(len(r.rcpt_tos) == 1 for r in received)

    link = f"{SITE_URL}/milestones/{milestone.pk}/"
    assert link == SITE_URL + reverse("web:milestone_detail", args=[milestone.pk])
    tokens = set()
    for r in received:
        msg = r.message
        assert r.header("To") == r.rcpt_tos[0]
        assert r.mail_from in settings.DEFAULT_FROM_EMAIL
        wording = "is ready for your review" if r.rcpt_tos == [approver.email] else "was delivered"
        assert r.subject == f"“{milestone.title}” of {milestone.project.name} {wording} (v1)"
        assert msg.get_content_type() == "multipart/alternative"
        text, html = r.part("plain"), r.part("html")
        assert link in text
        assert f'href="{link}"' in html
        assert milestone.title in html
        match = UNSUBSCRIBE.match(r.header("List-Unsubscribe"))
        assert match, r.header("List-Unsubscribe")
        tokens.add(match.group(1))
        assert r.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        assert match.group(1) in text and match.group(1) in html
    assert len(tokens) == 2, "each recipient has their own unsubscribe link"

    emails = OutgoingEmail.objects.filter(category=Category.DELIVERY)
    assert sorted(emails.values_list("to", "status", "attempts")) == sorted(
        [(approver.email, "sent", 1), (viewer.email, "sent", 1)]
    )
    # Nobody of the agency is told that their own delivery happened.
    agency = {live.owner.email, live.manager.email, live.member.email}
    assert not agency & {r.rcpt_tos[0] for r in received}


def test_invoice_email_carries_the_pdf(live, smtp, django_capture_on_commit_callbacks):
    live.to_review(1)
    live.pass_all(1)
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        live.approve(1)

    invoice = live.invoice(1)
    invoice_mails = smtp.messages(f"Invoice {invoice.number}")
    assert [r.rcpt_tos for r in invoice_mails] == [[live.approver.email]]
    msg = invoice_mails[0].message
    assert invoice_mails[0].subject == (
        f"Invoice {invoice.number} from {live.organisation.name} for {live.project.name}"
    )
    assert msg.get_content_type() == "multipart/mixed"
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    pdf = attachments[0]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"{invoice.number}.pdf"
    content = pdf.get_content()
    assert content.startswith(b"%PDF")
    assert len(content) > 1000
    link = f"{SITE_URL}/invoices/{invoice.pk}/"
    assert link in invoice_mails[0].part("plain")
    assert f'href="{link}"' in invoice_mails[0].part("html")
    # The viewer is not sent invoices; the agency hears of the approval, without a PDF.
    assert live.viewer.email not in {r.rcpt_tos[0] for r in smtp.messages()}
    approved = smtp.messages("approved")
    assert {r.rcpt_tos[0] for r in approved} == {
        live.owner.email,
        live.manager.email,
        live.member.email,
    }
    assert all(not list(r.message.iter_attachments()) for r in approved)


def test_server_down_keeps_the_email_and_retries_later(
    sent, smtp, django_capture_on_commit_callbacks
):
    smtp.clear()
    smtp.stop()
    proposed_at = at(START - dt.timedelta(days=14))
    with clock.frozen(proposed_at), django_capture_on_commit_callbacks(execute=True):
        sent.propose()

    assert sent.project.status == ProjectStatus.PROPOSED  # the action is not undone
    pending = OutgoingEmail.objects.get(category=Category.PLAN)
    assert pending.to == sent.approver.email
    assert pending.status == OutgoingEmail.Status.PENDING
    assert pending.attempts == 1
    assert pending.last_error  # e.g. "ConnectionRefusedError: [Errno 111] Connection refused"
    assert pending.next_attempt_at > proposed_at
    assert pending.sent_at is None

    smtp.start()
    # Not yet due: nothing is sent, and the attempt is not counted.
    with clock.frozen(pending.next_attempt_at - dt.timedelta(seconds=1)):
        assert delivery.send_due() == {}
    assert smtp.messages() == []
    with clock.frozen(pending.next_attempt_at + dt.timedelta(seconds=1)):
        assert delivery.send_due() == {"sent": 1}

    pending.refresh_from_db()
    assert pending.status == OutgoingEmail.Status.SENT
    assert pending.attempts == 2
    assert pending.last_error == ""
    assert pending.sent_at is not None
    received = smtp.messages()
    assert [r.rcpt_tos for r in received] == [[sent.approver.email]]
    assert received[0].subject == pending.subject
    # Sent once: running the delivery again sends nothing more.
    with clock.frozen(pending.next_attempt_at + dt.timedelta(hours=1)):
        assert delivery.send_due() == {}
    assert len(smtp.messages()) == 1


def test_gives_up_after_max_attempts_and_shows_it_to_the_owner(
    sent, smtp, client, django_capture_on_commit_callbacks
):
    smtp.stop()
    now = at(START - dt.timedelta(days=14))
    with clock.frozen(now), django_capture_on_commit_callbacks(execute=True):
        sent.propose()
    outbox = OutgoingEmail.objects.get(category=Category.PLAN)
    delays = []
    for attempt in range(2, settings.EMAIL_MAX_ATTEMPTS + 1):
        outbox.refresh_from_db()
        assert outbox.status == OutgoingEmail.Status.PENDING
        assert outbox.attempts == attempt - 1
        delays.append(outbox.next_attempt_at - now)
        now = outbox.next_attempt_at + dt.timedelta(seconds=1)
        with clock.frozen(now):
            outcome = delivery.send_due()
        expected = "failed" if attempt == settings.EMAIL_MAX_ATTEMPTS else "retry"
        assert outcome == {expected: 1}
    # The delays grow: 1, 2, 4, 8… minutes.
    assert delays == sorted(delays) and len(set(delays)) == len(delays)

    outbox.refresh_from_db()
    assert outbox.status == OutgoingEmail.Status.FAILED
    assert outbox.attempts == settings.EMAIL_MAX_ATTEMPTS
    assert outbox.last_error

    # Given up: even with the server back, nothing more is tried.
    smtp.start()
    with clock.frozen(now + dt.timedelta(days=1)):
        assert delivery.send_due() == {}
    assert smtp.messages() == []
    outbox.refresh_from_db()
    assert outbox.attempts == settings.EMAIL_MAX_ATTEMPTS

    client.force_login(sent.owner)
    page = client.get("/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Emails not delivered yet" in html
    section = html[html.index('id="undelivered"') :]
    assert outbox.subject in section
    assert outbox.to in section
    assert "Failed" in section

    client.force_login(sent.member)
    assert "Emails not delivered yet" not in client.get("/settings/").content.decode()


def test_email_of_a_worker_that_died_mid_send_is_sent_later(sent, smtp, monkeypatch):
    """The process is killed between claiming the email and recording the outcome."""
    proposed_at = at(START - dt.timedelta(days=14))
    with clock.frozen(proposed_at):
        sent.propose()  # no on-commit here: the email waits in the outbox
    outbox = OutgoingEmail.objects.get(category=Category.PLAN)
    smtp.clear()

    def killed(self, messages):
        raise SystemExit("worker killed")

    monkeypatch.setattr("django.core.mail.backends.smtp.EmailBackend.send_messages", killed)
    with clock.frozen(proposed_at), pytest.raises(SystemExit):
        delivery.send_one(outbox.pk)
    monkeypatch.undo()
    outbox.refresh_from_db()
    assert outbox.status == OutgoingEmail.Status.SENDING
    assert outbox.attempts == 1

    # Another worker does not send it while the first might still be at it…
    with clock.frozen(proposed_at + dt.timedelta(minutes=1)):
        assert delivery.send_due() == {}
    # …but once that could no longer be, it is sent: never lost.
    with clock.frozen(proposed_at + dt.timedelta(hours=1)):
        assert delivery.send_due() == {"sent": 1}
    outbox.refresh_from_db()
    assert outbox.status == OutgoingEmail.Status.SENT
    assert outbox.attempts == 2
    assert [r.rcpt_tos for r in smtp.messages()] == [[sent.approver.email]]
