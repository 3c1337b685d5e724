"""Password reset through the web pages: Milepost's own pages and email, the same answer for
known and unknown addresses, and a link that sets a new password once."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from milepost.accounts.models import normalize_email
from milepost.accounts.services import password_reset_request
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET_LINK = re.compile(r"https?://[^\s/]+(/password-reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "quartz-meadow-lantern-77"


@pytest.fixture
def person(db):
    return UserFactory(email="rita.reset@example.com", name="Rita Reset")


def test_the_reset_pages_are_milepost_pages(client):
    page = client.get("/password-reset/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Reset your password</h1>" in html
    assert "Django administration" not in html
    assert page.templates[0].name == "web/password_reset_form.html"


def without_csrf(response) -> str:
    """The page without its per-request CSRF token, the one part that always differs."""
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", response.content.decode())


def reset(client, address: str):
    response = client.post("/password-reset/", {"email": address})
    followed = client.get(response["Location"]) if response.status_code == 302 else response
    return response, followed


def test_known_and_unknown_addresses_get_the_same_answer(client, person, on_commit):
    with on_commit():
        known, known_page = reset(client, "Rita.Reset@example.com")
    with on_commit():
        unknown, unknown_page = reset(client, "nobody-here@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
    assert known_page.status_code == unknown_page.status_code == 200
    assert without_csrf(known_page) == without_csrf(unknown_page)
    assert "<h1>Check your email</h1>" in known_page.content.decode()
    assert [m.to for m in mail.outbox] == [[person.email]]


def test_the_link_in_the_email_sets_a_new_password_once(client, person, settings, on_commit):
    settings.SITE_URL = "http://milepost.example:8811"
    with on_commit():
        reset(client, person.email)
    [message] = mail.outbox
    assert message.subject == "Choose a new Milepost password"
    html = message.alternatives[0][0]
    match = RESET_LINK.search(message.body)
    assert match, message.body
    assert match.group(0).startswith("http://milepost.example:8811/password-reset/")
    assert f'href="{match.group(0)}"' in html
    path = match.group(1)

    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert "<h1>Choose a new password</h1>" in form.content.decode()
    set_password_url = form.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done["Location"] == "/password-reset/done/"

    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert not person.check_password(PASSWORD)
    assert client.login(username=person.email, password=NEW_PASSWORD)
    client.logout()

    again = client.get(path, follow=True)
    assert "This link is not valid any more" in again.content.decode()


def test_an_address_is_normalised_the_way_login_reads_it():
    assert normalize_email(" \uff32ita.Reset@EXAMPLE.com ") == "rita.reset@example.com"
    assert normalize_email("ro\u017fa@example.com") == "rosa@example.com"  # long s is an s
    assert normalize_email("r\u0131ta@example.com") == "r\u0131ta@example.com"  # dotless i is not


def test_reset_finds_the_account_by_its_normalised_address(person):
    assert password_reset_request(email="\uff32ITA.reset@example.com") == 1  # full-width R


def test_reset_finds_no_account_for_a_look_alike_address(person):
    # On PostgreSQL, UPPER of a dotless i is 'I': a case-insensitive match would find Rita.
    assert password_reset_request(email="r\u0131ta.reset@example.com") == 0
