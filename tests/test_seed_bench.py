"""``manage.py seed_bench`` writes the data ``make bench`` measures, including the project whose
plan changed ten times."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from milepost.audit.verify import verify_chains
from milepost.plans.models import ChangeOrder, PlanVersion, Project

pytestmark = pytest.mark.django_db


def test_the_bench_project_has_ten_versions_and_ten_change_orders():
    out = io.StringIO()
    call_command("seed_bench", organisations=2, stdout=out)
    assert "10 change orders" in out.getvalue()
    [project] = Project.objects.filter(versions__version=10)
    assert list(
        PlanVersion.objects.filter(project=project).values_list("version", flat=True)
    ) == list(range(1, 11))
    assert ChangeOrder.objects.filter(project=project, status="accepted").count() == 9
    assert ChangeOrder.objects.filter(project=project, status="draft").count() == 1
    assert project.plan_version == 10
    assert project.total_budget == sum(m.budget for m in project.milestones.all())
    report = verify_chains()
    assert report.ok, report.reason
