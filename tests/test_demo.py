"""The demo data loads, and loading it again changes nothing."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from milepost.accounts.models import User
from milepost.audit.verify import verify_chains
from milepost.plans.models import Project


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "audit", "plans", "reviews", "core"}
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert "owner@northwind.example" in out.getvalue()
    owner = User.objects.get(email="owner@northwind.example")
    assert owner.check_password("milepost-demo")
    statuses = set(Project.objects.values_list("status", flat=True))
    assert statuses == {"draft", "proposed", "active"}
    assert verify_chains().ok
