"""The REST API over real requests: who sees what, what writes do, and how every error looks."""

import json
import re
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from rest_framework.test import APIClient

from milepost.accounts import services
from milepost.accounts.models import Client, Contact, Invitation, Role, User, hash_token
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent

from ..accounts.helpers import token_from_mail
from ..factories import ClientFactory, MembershipFactory
from .helpers import assert_error

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
CLIENTS = "/api/v1/clients/"


def detail(client) -> str:
    return f"{CLIENTS}{client.pk}/"


def contacts_url(client) -> str:
    return f"{CLIENTS}{client.pk}/contacts/"


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- /me/ ---------------------------------------------------------------------------------------


def test_me_lists_organisations_with_roles(world, api_as):
    response = api_as(world.manager).get(ME)
    assert response.status_code == 200
    body = response.json()
    calendar = body.pop("calendar_url")
    assert calendar.startswith("http") and calendar.endswith(".ics")
    assert body == {
        "id": world.manager.pk,
        "email": world.manager.email,
        "name": world.manager.name,
        "organisations": [
            {"id": world.organisation.pk, "name": "Northwind Studio", "role": "manager"}
        ],
        "client_contacts": [],
    }


def test_me_shows_each_organisation_with_its_own_role(world, api_as):
    MembershipFactory(organisation=world.other_organisation, user=world.member, role=Role.OWNER)
    body = api_as(fresh(world.member)).get(ME).json()
    assert body["organisations"] == [
        {"id": world.organisation.pk, "name": "Northwind Studio", "role": "member"},
        {"id": world.other_organisation.pk, "name": "Other Agency", "role": "owner"},
    ]


def test_me_shows_a_contact_the_clients_they_speak_for(world, api_as):
    body = api_as(world.contact).get(ME).json()
    assert body["organisations"] == []
    assert body["client_contacts"] == [
        {"client": world.client.pk, "client_name": "Acme Shop", "organisation": "Northwind Studio"}
    ]


# --- Listing and reading clients ----------------------------------------------------------------


def test_client_list_is_paginated_and_limited_to_own_organisations(world, api_as):
    ClientFactory.create_batch(30, organisation=world.organisation)
    ClientFactory.create_batch(3, organisation=world.other_organisation)
    http = api_as(world.member)

    first = http.get(CLIENTS).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 31
    assert len(first["results"]) == 25
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = http.get(first["next"]).json()
    assert len(second["results"]) == 6
    assert second["next"] is None

    rows = first["results"] + second["results"]
    assert {row["organisation"] for row in rows} == {world.organisation.pk}
    assert len({row["id"] for row in rows}) == 31
    names = [row["name"] for row in rows]
    assert names == sorted(names)
    acme = next(row for row in rows if row["name"] == "Acme Shop")
    assert acme["contact_count"] == 1


def test_client_list_page_size_is_capped(world, api_as):
    ClientFactory.create_batch(120, organisation=world.organisation)
    body = api_as(world.owner).get(CLIENTS, {"page_size": 1000}).json()
    assert len(body["results"]) == 100
    assert body["count"] == 121


def test_a_page_past_the_end_is_a_json_404(world, api_as):
    assert_error(api_as(world.owner).get(CLIENTS, {"page": 99}), 404)


@pytest.mark.parametrize(("role", "count"), [("outsider", 1), ("contact", 0)])
def test_others_do_not_see_the_organisations_clients(world, api_as, role, count):
    ClientFactory(organisation=world.other_organisation, name="Their client")
    body = api_as(world.user(role)).get(CLIENTS).json()
    assert body["count"] == count
    assert "Acme Shop" not in [row["name"] for row in body["results"]]


def test_client_detail_includes_its_contacts(world, api_as):
    body = api_as(world.member).get(detail(world.client)).json()
    assert body["name"] == "Acme Shop"
    assert [c["email"] for c in body["contacts"]] == [world.contact.email]


@pytest.mark.parametrize("role", ["outsider", "contact"])
def test_a_client_of_another_organisation_is_not_found(world, api_as, role):
    error = assert_error(api_as(world.user(role)).get(detail(world.client)), 404, "not_found")
    assert "Acme" not in error["message"]


@pytest.mark.parametrize("path", ["/api/v1/clients/999999/", "/api/v1/clients/abc/"])
def test_an_unknown_client_is_not_found(world, api_as, path):
    assert_error(api_as(world.owner).get(path), 404, "not_found")


# --- Creating and changing clients --------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_post_creates_a_client_and_audits_it(world, api_as, role):
    response = api_as(world.user(role)).post(
        CLIENTS, {"name": "Globex", "country": "fr", "vat_id": "FR40303265045"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["country"], body["vat_id"]) == ("Globex", "FR", "FR40303265045")
    assert body["organisation"] == world.organisation.pk
    assert body["contacts"] == []
    client = Client.objects.get(pk=body["id"])
    assert client.organisation == world.organisation
    event = AuditEvent.objects.get(action=AuditAction.CLIENT_CREATED)
    assert (event.actor_id, event.target_id) == (world.user(role).pk, str(client.pk))
    assert event.data["after"]["name"] == "Globex"


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("contact", 403)])
def test_post_is_refused_for_members_and_contacts(world, api_as, role, status):
    response = api_as(world.user(role)).post(CLIENTS, {"name": "Globex"}, format="json")
    assert_error(response, status, "permission_denied")
    assert not Client.objects.filter(name="Globex").exists()
    assert not AuditEvent.objects.exists()


def test_post_into_another_organisation_is_not_found(world, api_as):
    response = api_as(world.outsider).post(
        CLIENTS, {"name": "Globex", "organisation": world.organisation.pk}, format="json"
    )
    assert_error(response, 404)
    assert not Client.objects.filter(name="Globex").exists()


def test_post_without_organisation_uses_the_only_one(world, api_as):
    response = api_as(world.outsider).post(CLIENTS, {"name": "Globex"}, format="json")
    assert response.status_code == 201
    assert response.json()["organisation"] == world.other_organisation.pk


def test_post_must_name_the_organisation_when_there_are_several(world, api_as):
    MembershipFactory(organisation=world.other_organisation, user=world.manager, role=Role.OWNER)
    http = api_as(fresh(world.manager))
    error = assert_error(http.post(CLIENTS, {"name": "Globex"}, format="json"), 400, "invalid")
    assert "organisation" in error["details"]
    response = http.post(
        CLIENTS, {"name": "Globex", "organisation": world.other_organisation.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["organisation"] == world.other_organisation.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Acme Shop"}, "name"),
        ({"name": "Globex", "country": "Germany"}, "country"),
        ({"name": "Globex", "country": "XX"}, "country"),
        ({"name": "Globex", "organisation": "first"}, "organisation"),
    ],
)
def test_post_names_the_invalid_field(world, api_as, body, field):
    error = assert_error(api_as(world.owner).post(CLIENTS, body, format="json"), 400, "invalid")
    assert field in error["details"]
    assert all(isinstance(m, str) for m in error["details"][field])
    assert Client.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_patch_changes_a_client_and_audits_the_difference(world, api_as):
    response = api_as(world.manager).patch(detail(world.client), {"country": "de"}, format="json")
    assert response.status_code == 200
    assert response.json()["country"] == "DE"
    assert response.json()["name"] == "Acme Shop"
    event = AuditEvent.objects.get(action=AuditAction.CLIENT_UPDATED)
    assert event.data == {"before": {"country": "IE"}, "after": {"country": "DE"}}


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("outsider", 404), ("contact", 404)])
def test_patch_is_refused_to_others(world, api_as, role, status):
    response = api_as(world.user(role)).patch(detail(world.client), {"name": "Mine"}, format="json")
    assert_error(response, status)
    assert Client.objects.get(pk=world.client.pk).name == "Acme Shop"
    assert not AuditEvent.objects.exists()


def test_patch_names_the_invalid_field(world, api_as):
    response = api_as(world.owner).patch(detail(world.client), {"country": "XX"}, format="json")
    assert "country" in assert_error(response, 400, "invalid")["details"]
    assert Client.objects.get(pk=world.client.pk).country == "IE"


# --- Inviting contacts --------------------------------------------------------------------------


def test_post_contact_invites_and_emails(world, api_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(world.manager).post(
            contacts_url(world.client),
            {"email": "Buyer@Acme.example", "name": "Bea Buyer"},
            format="json",
        )
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["name"]) == ("buyer@acme.example", "Bea Buyer")
    assert Contact.objects.filter(client=world.client, user__email="buyer@acme.example").exists()
    [message] = mail.outbox
    assert message.to == ["buyer@acme.example"]
    invitation = Invitation.objects.get(user__email="buyer@acme.example")
    assert invitation.token_hash == hash_token(token_from_mail(message))
    assert AuditEvent.objects.filter(action=AuditAction.CONTACT_INVITED).count() == 1


@pytest.mark.parametrize(
    "email", ["duplicate", "not-an-email", "", "a@b"], ids=["dup", "bad", "empty", "nodot"]
)
def test_post_contact_refuses_bad_or_duplicate_email(
    world, api_as, django_capture_on_commit_callbacks, email
):
    address = world.contact.email.upper() if email == "duplicate" else email
    users = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_as(world.owner).post(
            contacts_url(world.client), {"email": address}, format="json"
        )
    assert "email" in assert_error(response, 400, "invalid")["details"]
    assert Contact.objects.filter(client=world.client).count() == 1
    assert User.objects.count() == users
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("outsider", 404), ("contact", 404)])
def test_post_contact_is_refused_to_others(world, api_as, role, status):
    response = api_as(world.user(role)).post(
        contacts_url(world.client), {"email": "spy@example.com"}, format="json"
    )
    assert_error(response, status)
    assert not User.objects.filter(email="spy@example.com").exists()


# --- Malformed and oversized requests -----------------------------------------------------------


@pytest.mark.parametrize("raw", ['{"name": ', "{'name': 'x'}", "name=x", "\xff\xfe"])
def test_malformed_json_is_a_400_malformed_request(world, api_as, raw):
    response = api_as(world.owner).post(CLIENTS, raw, content_type="application/json")
    assert_error(response, 400, "malformed_request")
    assert Client.objects.count() == 1


def test_json_that_is_not_an_object_is_invalid(world, api_as):
    response = api_as(world.owner).post(CLIENTS, "[1, 2]", content_type="application/json")
    assert_error(response, 400, "invalid")


def test_a_form_body_is_an_unsupported_media_type(world, api_as):
    response = api_as(world.owner).post(CLIENTS, "name=Globex", content_type="text/plain")
    assert_error(response, 415)
    assert not Client.objects.filter(name="Globex").exists()


@pytest.mark.parametrize("method", ["post", "patch", "contacts"])
def test_an_oversized_body_is_refused_with_413_and_nothing_is_written(
    world, api_as, settings, method
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    http = api_as(world.owner)
    padding = "x" * 4096
    if method == "post":
        response = http.post(CLIENTS, {"name": "Big", "street": padding}, format="json")
    elif method == "patch":
        response = http.patch(detail(world.client), {"street": padding}, format="json")
    else:
        response = http.post(
            contacts_url(world.client), {"email": "big@example.com", "name": padding}, format="json"
        )
    assert_error(response, 413, "payload_too_large")
    assert Client.objects.count() == 1
    assert Client.objects.get(pk=world.client.pk).address == ""
    assert not User.objects.filter(email="big@example.com").exists()
    assert not AuditEvent.objects.exists()


def test_a_body_just_under_the_limit_is_accepted(world, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"name": "Small"}) + " " * 900  # JSON may carry blanks
    assert len(body) < 1024
    response = api_as(world.owner).post(CLIENTS, body, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "path", ["/api/v1/nope/", "/api/v1/clients/1/nope/", "/api/v1/", "/api/v2/clients/"]
)
@pytest.mark.parametrize("who", ["owner", None])
def test_an_unknown_api_url_is_a_json_404(world, api_as, path, who):
    user = world.owner if who else None
    assert_error(api_as(user).get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "detail"),
        ("put", "detail"),
        ("delete", "list"),
        ("put", "list"),
        ("get", "contacts"),
    ],
)
def test_a_wrong_method_is_a_json_405(world, api_as, method, path):
    url = {"detail": detail(world.client), "list": CLIENTS, "contacts": contacts_url(world.client)}
    response = getattr(api_as(world.owner), method)(url[path], {"name": "X"}, format="json")
    assert_error(response, 405, "method_not_allowed")
    assert Client.objects.get(pk=world.client.pk).name == "Acme Shop"


# --- Authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("get", ME), ("get", CLIENTS), ("post", CLIENTS), ("get", "detail")]
)
def test_anonymous_requests_are_401(world, method, path):
    url = detail(world.client) if path == "detail" else path
    response = getattr(APIClient(), method)(url, {"name": "Anon"}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Client.objects.filter(name="Anon").exists()


def test_a_bearer_token_authenticates(world, bearer):
    _, raw = services.api_token_create(user=world.owner, actor=world.owner)
    http = bearer(raw)
    assert http.get(ME).json()["email"] == world.owner.email
    response = http.post(CLIENTS, {"name": "Via token"}, format="json")
    assert response.status_code == 201
    event = AuditEvent.objects.get(action=AuditAction.CLIENT_CREATED)
    assert event.actor_id == world.owner.pk


def test_the_bearer_keyword_is_case_insensitive(world):
    _, raw = services.api_token_create(user=world.member, actor=world.member)
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"bearer {raw}")
    assert http.get(ME).json()["email"] == world.member.email


def test_a_revoked_token_is_401_invalid_token(world, bearer):
    token, raw = services.api_token_create(user=world.owner, actor=world.owner)
    http = bearer(raw)
    assert http.get(ME).status_code == 200
    services.api_token_revoke(token=token, actor=world.owner)
    assert_error(http.get(ME), 401, "invalid_token")
    assert_error(http.post(CLIENTS, {"name": "Late"}, format="json"), 401, "invalid_token")
    assert not Client.objects.filter(name="Late").exists()


def test_a_deactivated_users_token_is_401(world, bearer):
    _, raw = services.api_token_create(user=world.owner, actor=world.owner)
    User.objects.filter(pk=world.owner.pk).update(is_active=False)
    assert_error(bearer(raw).get(ME), 401, "invalid_token")


@pytest.mark.parametrize(
    "header",
    ["Bearer garbage", "Bearer mp_" + "A" * 43, "Bearer", "Bearer a b", "Bearer \xe9t\xe9"],
)
def test_a_bad_bearer_header_is_401_invalid_token(world, header):
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=header)
    assert_error(http.get(ME), 401, "invalid_token")


def test_a_token_under_another_scheme_is_refused_with_the_right_one(world):
    """Once anonymous ("not provided"); a newcomer could not tell what was wrong. The hint and
    the schemes left to a proxy: tests/api/test_authentication.py."""
    _, raw = services.api_token_create(user=world.owner, actor=world.owner)
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert_error(http.get(ME), 401, "invalid_token")


def test_a_browser_session_cannot_write_without_a_csrf_token(world):
    http = APIClient(enforce_csrf_checks=True)
    http.force_login(world.owner)
    assert http.get(ME).status_code == 200
    response = http.post(CLIENTS, {"name": "Forged"}, format="json")
    assert_error(response, 403)
    assert not Client.objects.filter(name="Forged").exists()


# --- Schema and docs ----------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_api_and_bearer_auth(db):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/me/", "/api/v1/clients/", "/api/v1/clients/{id}/"):
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/v1/clients/"]) >= {"get", "post"}
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()
    error = schema["components"]["schemas"]["Error"]
    assert "error" in error["properties"]


def test_the_docs_page_is_self_hosted(db):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "cdn.jsdelivr" not in html
    assert "unpkg.com" not in html
    assert "/api/v1/schema/" in html
    assets = re.findall(r'(?:src|href)="/static/([^"?]+)', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in assets:
        assert finders.find(asset), f"missing static file {asset}"


def test_an_unexpected_failure_is_a_json_500(world):
    http = APIClient(raise_request_exception=False)
    http.force_authenticate(world.owner)
    with mock.patch(
        "milepost.api.account_views.selectors.organisations_for", side_effect=RuntimeError
    ):
        response = http.get(ME)
    error = assert_error(response, 500, "server_error")
    assert "RuntimeError" not in error["message"]


@pytest.mark.parametrize("method", ["post", "patch"])
def test_the_old_legal_address_field_is_refused_not_dropped(world, api_as, method):
    """An integration written before addresses were fields hears why, and nothing changes."""
    http = api_as(world.owner)
    body = {"name": "Old Integration", "legal_address": "1 Main Street\n10115 Berlin"}
    if method == "post":
        response = http.post(CLIENTS, body, format="json")
    else:
        response = http.patch(detail(world.client), body, format="json")
    error = assert_error(response, 400, "invalid")
    assert "street, postcode" in error["details"]["legal_address"][0]
    assert Client.objects.count() == 1
    assert Client.objects.get(pk=world.client.pk).name == world.client.name
