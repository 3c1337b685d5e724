"""Fixtures for the REST API tests."""

import pytest
from rest_framework.test import APIClient

from tests.forecast.conftest import accepted, make_project, progressed  # noqa: F401  (fixtures)
from tests.payments.conftest import money  # noqa: F401  (a fixture)


@pytest.fixture
def bearer():
    """Return an API client that sends ``Authorization: Bearer <raw>``."""

    def make(raw: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo agency (tests/api/demo.py), built once for the module and removed after it.

    Each test still runs in its own transaction (``db``), so what one test changes the next does
    not see. The settings mirror tests/conftest.py's ``_test_settings``, which is per test."""
    from django.core.management import call_command
    from django.test import override_settings

    from .demo import build_demo

    quick = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with quick, django_db_blocker.unblock():
        built = build_demo()
    yield built
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
