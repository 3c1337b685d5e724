"""Fixtures for account service tests: row counts before/after, and on-commit emails."""

import pytest

from milepost.accounts.models import (
    ApiToken,
    Client,
    Contact,
    Invitation,
    Membership,
    Organisation,
    User,
)
from milepost.audit.models import AuditChainHead, AuditEvent

MODELS = (
    User,
    Organisation,
    Membership,
    Client,
    Contact,
    Invitation,
    ApiToken,
    AuditEvent,
    AuditChainHead,
)


@pytest.fixture
def row_counts(db):
    """Return a callable giving {model name: row count}, to prove that nothing changed."""

    def counts() -> dict[str, int]:
        return {model.__name__: model.objects.count() for model in MODELS}

    return counts


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (emails) as if the test transaction had committed."""

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture
