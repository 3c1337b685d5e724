"""Stored forecasts: what ``refresh`` writes, the events that refresh them once the change is
committed (and a rolled-back change that leaves them alone), the daily refresh of the
scheduler and ``manage.py forecast_refresh``."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from milepost.core import clock
from milepost.forecast import services
from milepost.forecast.models import MilestoneForecast, ProjectForecast
from milepost.forecast.timeline import project_timeline
from milepost.notify.scheduler import tick
from milepost.plans import services as plans
from milepost.plans.models import Project
from milepost.reviews import services as reviews
from milepost.reviews.services.change_orders import change_order_accept

from ..reviews.conftest import START, fresh
from .helpers import accepted_project, approve, at, m, milestone, pay

D = dt.date


@pytest.fixture
def project(world):
    """Two milestones (1000.00 from Mon 4 Jan 2027, 3000.00 from 18 Jan), accepted 30 Dec."""
    return accepted_project(
        world,
        client=world.client,
        name="Acme shop",
        currency="EUR",
        accepted_on=D(2026, 12, 30),
        milestones=[
            milestone("Design", "1000.00", START, D(2027, 1, 15)),
            milestone("Build", "3000.00", D(2027, 1, 18), D(2027, 2, 12)),
        ],
    )


def stored(project) -> ProjectForecast:
    return ProjectForecast.objects.get(project=project)


def test_refresh_stores_the_timeline_of_the_project(world, project):
    late = D(2027, 1, 29)  # Design is still in progress two weeks after its due date
    with clock.frozen(at(START)):
        reviews.milestone_start(milestone=m(project, 1), actor=world.owner)
    services.refresh(project, today=late)
    line = project_timeline(
        Project.objects.select_related("organisation").get(pk=project.pk), today=late
    )
    forecast = stored(project)
    assert forecast.computed_on == late and not forecast.stale
    assert forecast.forecast_end == line.forecast_end
    assert (forecast.slip_baseline, forecast.slip_plan) == (line.slip_baseline, line.slip_plan)
    assert forecast.slip_baseline == 10
    assert (forecast.agency_days, forecast.client_days) == (line.hands.agency, line.hands.client)
    assert forecast.agency_days == 19
    rows = {f.milestone_id: f for f in MilestoneForecast.objects.filter(project=project)}
    for row in line.rows:
        assert (rows[row.milestone.pk].start, rows[row.milestone.pk].end) == (
            row.forecast.start,
            row.forecast.end,
        )


def test_refreshing_again_replaces_the_rows(project):
    services.refresh(project, today=D(2027, 1, 4))
    services.refresh(project, today=D(2027, 1, 5))
    assert ProjectForecast.objects.filter(project=project).count() == 1
    assert MilestoneForecast.objects.filter(project=project).count() == 2
    assert stored(project).computed_on == D(2027, 1, 5)


def test_a_project_not_active_or_on_hold_has_no_forecast(world, project, make_project):
    draft = make_project()
    assert services.refresh(draft) is None
    assert not ProjectForecast.objects.filter(project=draft).exists()
    services.refresh(project)
    with clock.frozen(at(D(2027, 1, 5))):
        plans.project_cancel(project=project, actor=world.owner, reason="Budget cut")
    assert services.refresh(project) is None
    assert not MilestoneForecast.objects.filter(project=project).exists()


# --- Events ---------------------------------------------------------------------------------------


def test_starting_a_milestone_refreshes_the_forecast_once_committed(
    world, project, django_capture_on_commit_callbacks
):
    services.refresh(project, today=D(2027, 1, 4))
    with clock.frozen(at(D(2027, 1, 20))), django_capture_on_commit_callbacks(execute=True):
        reviews.milestone_start(milestone=m(project, 1), actor=world.owner)
        # In the transaction: only marked stale, for the scheduler if the refresh fails.
        assert stored(project).stale
    forecast = stored(project)
    assert forecast.computed_on == D(2027, 1, 20) and not forecast.stale
    assert forecast.agency_days == 0  # started today
    # Design (ten working days from Mon 4 Jan) started on Wed 20 Jan, twelve working days late:
    # it keeps its length (to Tue 2 Feb) and so does Build after it (to Tue 2 Mar, not 12 Feb).
    assert forecast.slip_baseline == 12


def test_a_rolled_back_change_leaves_the_forecast_alone(
    world, project, django_capture_on_commit_callbacks
):
    services.refresh(project, today=D(2027, 1, 4))
    before = ProjectForecast.objects.filter(project=project).values().get()
    with (
        clock.frozen(at(D(2027, 1, 20))),
        django_capture_on_commit_callbacks(execute=True) as run,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        reviews.milestone_start(milestone=m(project, 1), actor=world.owner)
        raise RuntimeError("the request failed after the change")
    assert run == []  # nothing is left to run on commit
    assert ProjectForecast.objects.filter(project=project).values().get() == before


@pytest.mark.parametrize(
    "step",
    ["deliver", "request_changes", "approve", "hold", "cancel", "payment", "change_order"],
)
def test_every_change_that_moves_a_forecast_refreshes_it(
    world, project, step, django_capture_on_commit_callbacks
):
    with clock.frozen(at(START)):
        reviews.milestone_start(milestone=m(project, 1), actor=world.owner)
    day = D(2027, 1, 12)
    if step in ("request_changes", "approve", "payment"):
        with clock.frozen(at(day)):
            reviews.milestone_deliver(milestone=m(project, 1), actor=world.owner, notes="v1")
    invoice = None
    if step == "payment":
        with clock.frozen(at(day)):
            reviews.milestone_approve(
                milestone=m(project, 1), actor=fresh(world.contact), accept_open_items=True
            )
        invoice = m(project, 1).invoices.get(kind="invoice")
    services.refresh(project, today=D(2027, 1, 4))
    with clock.frozen(at(day)), django_capture_on_commit_callbacks(execute=True) as run:
        if step == "deliver":
            reviews.milestone_deliver(milestone=m(project, 1), actor=world.owner, notes="v1")
        elif step == "request_changes":
            reviews.milestone_request_changes(
                milestone=m(project, 1), actor=fresh(world.contact), feedback="Fix the logo."
            )
        elif step == "approve":
            reviews.milestone_approve(
                milestone=m(project, 1), actor=fresh(world.contact), accept_open_items=True
            )
        elif step == "hold":
            plans.project_hold(project=Project.objects.get(pk=project.pk), actor=world.owner)
        elif step == "cancel":
            plans.project_cancel(
                project=Project.objects.get(pk=project.pk), actor=world.owner, reason="Budget"
            )
        elif step == "payment":
            pay(world, invoice, day)
        elif step == "change_order":
            co = plans.change_order_create(
                project=Project.objects.get(pk=project.pk),
                actor=world.owner,
                title="More time",
                changes_=[
                    {
                        "op": "update",
                        "milestone": m(project, 2).pk,
                        "fields": {"planned_due": "2027-02-19"},
                    }
                ],
            )
            plans.change_order_propose(change_order=co, actor=world.owner)
            change_order_accept(change_order=co, actor=fresh(world.contact))
    assert run, "a refresh was scheduled on commit"
    if step == "cancel":
        assert not ProjectForecast.objects.filter(project=project).exists()
    else:
        assert stored(project).computed_on == day


def test_a_payment_that_changes_the_client_s_delay_marks_its_other_projects_stale(
    world, project, django_capture_on_commit_callbacks
):
    other = accepted_project(
        world,
        client=world.client,
        name="Acme blog",
        currency="EUR",
        accepted_on=D(2026, 12, 30),
        milestones=[milestone("Posts", "500.00", START, D(2027, 1, 29))],
    )
    invoice = approve(world, project, 1, D(2027, 1, 15))  # due 29 January
    services.refresh_many([project.pk, other.pk], today=D(2027, 2, 1))
    with django_capture_on_commit_callbacks(execute=True):
        pay(world, invoice, D(2027, 2, 8))  # 10 days late
    assert not stored(project).stale
    assert stored(other).stale
    posts = MilestoneForecast.objects.get(milestone=m(other, 1))
    services.refresh_stale(today=D(2027, 2, 8))
    moved = MilestoneForecast.objects.get(milestone=m(other, 1))
    assert moved.invoice_date == posts.invoice_date + dt.timedelta(days=7)  # a week later
    assert moved.payment_date == moved.invoice_date + dt.timedelta(days=14 + 10)
    assert not stored(other).stale


# --- Daily, and by hand ---------------------------------------------------------------------------


def test_the_scheduler_refreshes_each_forecast_once_a_day(project, make_project):
    make_project()  # a draft: never forecast
    with clock.frozen(at(D(2027, 1, 11), 3)):
        assert tick()["forecasts_refreshed"] == 1
        assert tick()["forecasts_refreshed"] == 0  # done for today
    assert stored(project).computed_on == D(2027, 1, 11)
    with clock.frozen(at(D(2027, 1, 12), 0)):
        assert tick()["forecasts_refreshed"] == 1
    assert stored(project).computed_on == D(2027, 1, 12)


def test_the_scheduler_drops_the_forecasts_of_projects_that_ended(project):
    services.refresh(project)
    Project.objects.filter(pk=project.pk).update(status="completed")  # as a bulk load might
    services.refresh_stale()
    assert not ProjectForecast.objects.filter(project=project).exists()
    assert not MilestoneForecast.objects.filter(project=project).exists()


def test_the_command_refreshes_one_project_or_all(project):
    out = io.StringIO()
    call_command("forecast_refresh", "--project", str(project.pk), stdout=out)
    assert f"Project {project.pk} refreshed." in out.getvalue()
    assert ProjectForecast.objects.filter(project=project).exists()
    ProjectForecast.objects.all().delete()
    call_command("forecast_refresh", stdout=out)
    assert "Refreshed the forecasts of 1 projects" in out.getvalue()
    assert ProjectForecast.objects.filter(project=project).exists()
    with pytest.raises(CommandError):
        call_command("forecast_refresh", "--project", "999999")


def test_many_projects_are_refreshed_in_a_few_queries(world, django_assert_max_num_queries):
    projects = [
        accepted_project(
            world,
            client=world.client,
            name=f"Shop {n}",
            currency="EUR",
            accepted_on=D(2026, 12, 30),
            milestones=[milestone("Design", "1000.00", START, D(2027, 1, 15))],
        )
        for n in range(6)
    ]
    with django_assert_max_num_queries(16):
        assert services.refresh_many([p.pk for p in projects]) == 6
