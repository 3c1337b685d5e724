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
    call_command("seed_bench", organisations=2, large_projects=30, stdout=out)
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


def test_the_bench_projects_were_accepted_so_their_timelines_are_measured():
    """The bench timeline page measured "no baseline yet": the bulk projects had a plan v1 but
    no acceptance, so the project page's slippage line and the timeline drew nothing."""
    from milepost.forecast.selectors import has_baseline, timeline_get

    call_command("seed_bench", organisations=2, large_projects=30, stdout=io.StringIO())
    accepted = Project.objects.filter(status__in=("active", "completed"))
    assert accepted.exists()
    assert all(has_baseline(project) for project in accepted)
    [project] = Project.objects.filter(versions__version=10)
    member = project.organisation.memberships.first().user
    _, timeline = timeline_get(member, project.pk)
    assert timeline is not None
    assert len(timeline.rows) == project.milestones.count()
    assert all(row.baseline_start is not None for row in timeline.rows)


def test_the_large_organisation_has_its_projects_and_every_forecast_computed():
    from milepost.accounts.models import Organisation, User
    from milepost.billing.models import Invoice
    from milepost.forecast.cashflow import cash_flow, cash_flow_query
    from milepost.forecast.models import MilestoneForecast, ProjectForecast

    out = io.StringIO()
    call_command("seed_bench", organisations=2, large_projects=30, stdout=out)
    assert "bench-large@milepost.example" in out.getvalue()
    owner = User.objects.get(email="bench-large@milepost.example")
    assert owner.check_password("milepost-bench")
    large = Organisation.objects.get(memberships__user=owner)
    projects = Project.objects.filter(organisation=large)
    assert projects.count() == 30 and set(projects.values_list("status", flat=True)) == {"active"}
    assert PlanVersion.objects.filter(project__organisation=large, version=1).count() == 30
    # Every active project of every organisation has its forecast, the large one's too.
    active = Project.objects.filter(status="active")
    assert ProjectForecast.objects.count() == active.count()
    assert MilestoneForecast.objects.filter(organisation=large).count() == 5 * 30
    assert Invoice.objects.filter(organisation=large).exists()
    flow = cash_flow(large, **cash_flow_query(large, {}))
    assert not flow.empty
    assert {s.currency for s in flow.series} <= {"EUR", "GBP", "USD"}
    # Seeded already: nothing more.
    again = io.StringIO()
    call_command("seed_bench", organisations=2, large_projects=30, stdout=again)
    assert "nothing to do" in again.getvalue()
    assert Project.objects.filter(organisation=large).count() == 30


def test_a_bench_database_seeded_before_gets_the_large_organisation():
    from milepost.accounts.models import Organisation, User

    call_command("seed_bench", organisations=2, large_projects=30, stdout=io.StringIO())
    large = Organisation.objects.get(name="Meridian Large Agency")
    # As if seeded before the large organisation existed: without its people.
    User.objects.filter(email__endswith=".large@bench.example").delete()
    User.objects.filter(email="bench-large@milepost.example").delete()
    before = Organisation.objects.count()
    out = io.StringIO()
    call_command("seed_bench", organisations=2, large_projects=30, stdout=out)
    assert "30 large organisation projects" in out.getvalue()
    assert Organisation.objects.count() == before + 1
    assert large.pk in Organisation.objects.values_list("pk", flat=True)
