"""``core.stamped``: every write path moves ``updated_at``, and a child's moves its parent."""

from __future__ import annotations

import datetime as dt

import pytest

from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.plans.models import Deliverable, Milestone, Project
from tests.factories import accepted_project

pytestmark = pytest.mark.django_db

MADE = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
LATER = dt.datetime(2027, 1, 6, 9, tzinfo=dt.UTC)


@pytest.fixture
def project(world):
    return accepted_project(world, at=MADE)


def _stamp(model, pk):
    return model.objects.values_list("updated_at", flat=True).get(pk=pk)


def test_save_with_update_fields_writes_the_stamp_too(project):
    with clock.frozen(LATER):
        project.summary = "Changed"
        project.save(update_fields=["summary"])

    assert _stamp(Project, project.pk) == LATER


def test_bulk_update_stamps_every_row_and_their_parent(project):
    milestones = list(Milestone.objects.filter(project=project))
    for m in milestones:
        m.scope = "New scope"
    with clock.frozen(LATER):
        Milestone.objects.bulk_update(milestones, ["scope"])

    assert set(Milestone.objects.filter(project=project).values_list("updated_at", flat=True)) == {
        LATER
    }
    assert _stamp(Project, project.pk) == LATER


def test_bulk_create_of_children_moves_the_chain_of_parents(project):
    milestone = Milestone.objects.get(project=project, position=2)
    with clock.frozen(LATER):
        Deliverable.objects.bulk_create(
            [Deliverable(milestone=milestone, position=9, title="Extra")]
        )

    assert _stamp(Milestone, milestone.pk) == LATER
    assert _stamp(Project, project.pk) == LATER
    assert _stamp(Milestone, Milestone.objects.get(project=project, position=1).pk) == MADE


def test_deleting_a_child_moves_its_parent(project):
    milestone = Milestone.objects.get(project=project, position=3)
    with clock.frozen(LATER):
        Deliverable.objects.filter(milestone=milestone).delete()

    assert _stamp(Milestone, milestone.pk) == LATER


def test_a_parent_with_no_matching_child_is_not_touched(project):
    with clock.frozen(LATER):
        Deliverable.objects.filter(milestone__project=project, title="nothing like it").update(
            title="x"
        )
        Invoice.objects.filter(project=project).update(language="de")

    assert _stamp(Project, project.pk) == MADE
