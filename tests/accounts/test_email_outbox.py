"""Invitations and password resets leave through the outbox, against real SMTP servers on
loopback: one that never answers (the request comes back within the timeout, the email waits
for a retry), one that is down, and a resend from the owner's settings page."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from milepost.accounts import services
from milepost.accounts.models import Contact, Invitation, hash_token
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.core.errors import NotAllowed, NotFound, RuleViolation
from milepost.mail.models import OutgoingEmail
from milepost.notify import delivery
from milepost.notify import services as notify
from tests.factories import PASSWORD, UserFactory

from ..smtp import SilentServer, SmtpServer, StallingServer, use_server

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8811"
INVITATION_LINK = rf"{re.escape(SITE)}/invitation/([A-Za-z0-9_-]+)/"
RESET_LINK = rf"{re.escape(SITE)}(/password-reset/[^/\s]+/[^/\s]+/)"
INVITEE = "ivy.invitee@acme.example"
TIMEOUT = 1  # seconds, so the tests of a server that never answers stay short


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture(params=["silent", "stalling"])
def unanswering(request, settings):
    """A server that accepts the connection and then never answers: not even a greeting
    ("silent"), or no confirmation after it took the whole message ("stalling")."""
    server = SilentServer() if request.param == "silent" else StallingServer()
    server.start()
    use_server(settings, server.port, timeout=TIMEOUT)
    yield server
    server.stop()


def invite_through_the_page(client, world, address: str = INVITEE):
    client.force_login(world.owner)
    return client.post(
        reverse("web:client_detail", args=[world.client.pk]), {"email": address, "name": "Ivy"}
    )


def row_text(email: OutgoingEmail) -> str:
    """Everything the outbox row stores, as one string."""
    return " ".join(str(getattr(email, f.attname)) for f in OutgoingEmail._meta.concrete_fields)


def test_smtp_has_a_timeout_by_default(settings):
    from django.core.mail import get_connection

    assert 1 <= settings.EMAIL_TIMEOUT <= 60
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert connection.timeout == settings.EMAIL_TIMEOUT


def test_a_server_that_never_answers_does_not_hold_the_invitation_request(
    world, client, unanswering, django_capture_on_commit_callbacks
):
    client.force_login(world.owner)
    client.get(reverse("web:client_detail", args=[world.client.pk]))  # templates compiled
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_through_the_page(client, world)
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < TIMEOUT + 3, f"the request took {elapsed:.1f} s"
    assert Contact.objects.filter(client=world.client, user__email=INVITEE).exists()
    email = OutgoingEmail.objects.get(to=INVITEE)
    assert email.kind == OutgoingEmail.Kind.INVITATION
    assert email.status == OutgoingEmail.Status.PENDING
    assert email.attempts == 1
    assert "timed out" in email.last_error
    assert email.organisation == world.organisation


def test_with_the_worker_backend_the_request_sends_nothing_itself(
    world, client, settings, unanswering, django_capture_on_commit_callbacks
):
    """The default task backend: the request writes the outbox row and a task, and returns."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_TIMEOUT = 5
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_through_the_page(client, world)
    assert response.status_code == 302
    assert time.monotonic() - started < 2
    email = OutgoingEmail.objects.get(to=INVITEE)
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 0)

    # The worker's batch waits for one timeout, not one per email: the rest waits for the
    # next run once the server is known not to answer.
    with django_capture_on_commit_callbacks(execute=True):
        invite_through_the_page(client, world, "second.invitee@acme.example")
    settings.EMAIL_TIMEOUT = TIMEOUT
    started = time.monotonic()
    assert delivery.send_due() == {"retry": 1}
    assert time.monotonic() - started < TIMEOUT + 3
    attempts = dict(OutgoingEmail.objects.values_list("to", "attempts"))
    assert attempts == {INVITEE: 1, "second.invitee@acme.example": 0}


def test_the_outbox_stores_no_usable_invitation_token(world, smtp, on_commit):
    with on_commit():
        services.contact_invite(client=world.client, email=INVITEE, actor=world.owner)
    email = OutgoingEmail.objects.get(to=INVITEE)
    received = smtp.wait_for(INVITEE)
    raw = re.search(INVITATION_LINK, received.link(INVITATION_LINK)).group(1)

    invitation = Invitation.objects.get(user__email=INVITEE)
    assert invitation.token_hash == hash_token(raw)  # the link that left is the one that works
    assert (email.text, email.html) == ("", "")
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert raw not in row_text(email)
    assert services.invitation_lookup(raw) == invitation


def test_server_down_then_the_owner_resends_from_settings(world, client, on_commit):
    server = SmtpServer()  # not started: the port refuses connections
    from django.conf import settings as django_settings

    use_server(django_settings, server.port)
    with on_commit():
        assert invite_through_the_page(client, world).status_code == 302
    email = OutgoingEmail.objects.get(to=INVITEE)
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    assert "Connection refused" in email.last_error

    page = client.get("/settings/").content.decode()
    section = page[page.index('id="undelivered"') :]
    assert f"You are invited to {world.organisation.name} on Milepost" in section
    assert INVITEE in section
    assert reverse("web:email_resend", args=[email.pk]) in section

    server.start()
    try:
        with on_commit():
            response = client.post(reverse("web:email_resend", args=[email.pk]))
        assert response.status_code == 302
        assert response["Location"] == "/settings/#undelivered"
        received = server.wait_for(INVITEE)
    finally:
        server.stop()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 1)
    settings_page = client.get("/settings/").content.decode()
    assert reverse("web:email_resend", args=[email.pk]) not in settings_page
    assert "Every email has been delivered." in settings_page

    link = received.link(INVITATION_LINK)
    client.logout()
    invitation_page = client.get(link.removeprefix(SITE))
    assert invitation_page.status_code == 200
    assert "Welcome to Milepost" in invitation_page.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.EMAIL_RESENT)
    assert (event.actor_id, event.target_id) == (world.owner.pk, str(email.pk))


def test_a_resend_mints_a_new_link_and_the_old_one_stops_working(world, on_commit):
    server = SmtpServer()  # not started: the first attempt mints a link, then fails
    from django.conf import settings as django_settings

    use_server(django_settings, server.port)
    with on_commit():
        services.contact_invite(client=world.client, email=INVITEE, actor=world.owner)
    email = OutgoingEmail.objects.get(to=INVITEE)
    first_hash = Invitation.objects.get(user__email=INVITEE).token_hash

    server.start()
    try:
        with on_commit():
            notify.email_resend(email=email, actor=world.owner)
        second = re.search(INVITATION_LINK, server.wait_for(INVITEE).part("plain")).group(1)
    finally:
        server.stop()

    invitation = Invitation.objects.get(user__email=INVITEE)
    assert invitation.token_hash == hash_token(second) != first_hash
    user = services.invitation_accept(raw_token=second, password="plum-lantern-orbit-42")
    assert user.email == INVITEE


def test_a_delivered_email_is_not_sent_again(world, client, smtp, on_commit):
    """A resend would mint a new link and kill the one the person already has."""
    with on_commit():
        services.contact_invite(client=world.client, email=INVITEE, actor=world.owner)
    link = re.search(INVITATION_LINK, smtp.wait_for(INVITEE).part("plain")).group(1)
    smtp.clear()
    email = OutgoingEmail.objects.get(to=INVITEE)
    before = row_text(email)

    with on_commit(), pytest.raises(RuleViolation) as refused:
        notify.email_resend(email=email, actor=world.owner)
    assert (refused.value.status, refused.value.code) == (409, "state_conflict")
    assert "already delivered" in refused.value.message

    client.force_login(world.owner)
    with on_commit():
        response = client.post(reverse("web:email_resend", args=[email.pk]), follow=True)
    assert "already delivered" in response.content.decode()

    email.refresh_from_db()
    assert row_text(email) == before
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_RESENT).exists()
    time.sleep(0.3)
    assert smtp.messages() == []
    assert services.invitation_lookup(link).user.email == INVITEE  # the link still works


def admin_edit(client, user, email: str = "", active: bool = True) -> None:
    """What a staff member does in the admin: change a person's address, or deactivate them."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    fields = {"email": email or user.email, "name": user.name, "language": user.language}
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {**fields, "is_active": "on"} if active else fields,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


def test_an_invitation_goes_to_the_address_the_person_has_when_it_is_sent(world, client, on_commit):
    server = SmtpServer()
    from django.conf import settings as django_settings

    use_server(django_settings, server.port)
    with on_commit():
        services.contact_invite(client=world.client, email=INVITEE, actor=world.owner)
    email = OutgoingEmail.objects.get(to=INVITEE)
    admin_edit(client, email.invitation.user, "ivy.new@acme.example")

    server.start()
    try:
        with on_commit():
            notify.email_resend(email=email, actor=world.owner)
        received = server.wait_for("ivy.new@acme.example")
        assert [m.to for m in server.messages()] == ["ivy.new@acme.example"]
    finally:
        server.stop()
    assert "/invitation/" in received.part("plain")
    email.refresh_from_db()
    assert (email.to, email.status) == ("ivy.new@acme.example", OutgoingEmail.Status.SENT)


def test_a_password_reset_goes_to_the_address_the_person_has_when_it_is_sent(
    world, client, settings, on_commit
):
    server = SmtpServer()
    use_server(settings, server.port)
    with on_commit():
        services.password_reset_request(email=world.member.email)
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    admin_edit(client, world.member, "member.new@example.com")

    server.start()
    try:
        with on_commit():
            notify.email_resend(email=email, actor=world.owner)
        server.wait_for("member.new@example.com")
        assert [m.to for m in server.messages()] == ["member.new@example.com"]
    finally:
        server.stop()


def test_a_reset_for_an_account_made_inactive_fails_at_once(
    world, client, smtp, settings, on_commit
):
    settings.EMAIL_MAX_ATTEMPTS = 6
    server = SmtpServer()
    use_server(settings, server.port)  # down: the first attempt waits for a retry
    with on_commit():
        services.password_reset_request(email=world.member.email)
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    admin_edit(client, world.member, active=False)

    use_server(settings, smtp.port)
    with on_commit():
        notify.email_resend(email=email, actor=world.owner)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.FAILED, 1)
    assert email.last_error == "The account no longer exists or is inactive."
    assert smtp.messages() == []


def test_only_the_owner_may_resend(world, on_commit):
    with on_commit():
        services.contact_invite(client=world.client, email=INVITEE, actor=world.owner)
    email = OutgoingEmail.objects.get(to=INVITEE)
    for user in (world.manager, world.member):
        with pytest.raises(NotAllowed):
            notify.email_resend(email=email, actor=user)
    for user in (world.contact, world.outsider):
        with pytest.raises(NotFound):
            notify.email_resend(email=email, actor=user)
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_RESENT).exists()


def test_a_password_reset_waits_in_the_outbox_while_the_server_is_down(
    world, client, settings, on_commit
):
    server = SmtpServer()
    use_server(settings, server.port)
    with on_commit():
        response = client.post("/password-reset/", {"email": world.member.email.upper()})
    assert response.status_code == 302
    email = OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.PASSWORD_RESET)
    assert (email.to, email.user, email.organisation) == (
        world.member.email,
        world.member,
        world.organisation,
    )
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    assert (email.text, email.html) == ("", "")  # no token is stored

    client.force_login(world.owner)
    section = client.get("/settings/").content.decode()
    assert "Choose a new Milepost password" in section[section.index('id="undelivered"') :]

    server.start()
    try:
        with on_commit():
            client.post(reverse("web:email_resend", args=[email.pk]))
        received = server.wait_for(world.member.email)
    finally:
        server.stop()
    path = re.search(RESET_LINK, received.link(RESET_LINK)).group(1)
    client.logout()
    form = client.get(path, follow=True)
    assert "<h1>Choose a new password</h1>" in form.content.decode()
    new = "quartz-meadow-lantern-77"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/password-reset/done/"
    assert client.login(username=world.member.email, password=new)
    assert not client.login(username=world.member.email, password=PASSWORD)
