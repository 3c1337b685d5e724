"""Plan edits record what changed, and the activity (page and API) says it: old → new."""

from __future__ import annotations

import pytest
from django.utils import translation

from milepost.accounts.services import client_update, organisation_update
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.audit.services import audit_record
from milepost.audit.verify import verify_chains
from milepost.audit.wording import describe
from milepost.plans import selectors, services
from milepost.plans.models import Milestone

from .conftest import milestone_items


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def latest(project) -> AuditEvent:
    return AuditEvent.objects.filter(project_id=project.pk).latest("sequence")


def said(project) -> str:
    return describe(latest(project), currency=project.currency)


def as_the_form_sends(milestone: Milestone) -> dict:
    """Every field and every deliverable, as the plan editor posts them on each save."""
    return {
        "title": milestone.title,
        "scope": milestone.scope,
        "budget": str(milestone.budget),
        "planned_start": milestone.planned_start,
        "planned_due": milestone.planned_due,
        "revision_quota": milestone.revision_quota,
        "support_window_days": milestone.support_window_days,
        "billing_trigger": milestone.billing_trigger,
        "deliverables": [
            {"id": d.pk, "title": d.title, "acceptance_criteria": d.acceptance_criteria}
            for d in milestone.deliverables.order_by("position")
        ],
    }


def test_a_budget_edit_says_old_and_new_budget(world, project):
    build = project.milestones.get(position=2)
    services.milestone_update(milestone=build, actor=world.manager, budget="5500.00")
    assert said(project) == "changed milestone 2 “Build”: budget €6,000.00 → €5,500.00"
    assert verify_chains().ok


def test_saving_the_form_unchanged_writes_nothing_and_one_change_says_only_it(world, project):
    build = project.milestones.get(position=2)
    before = AuditEvent.objects.count()
    services.milestone_update(milestone=build, actor=world.manager, **as_the_form_sends(build))
    assert AuditEvent.objects.count() == before  # the deliverables were sent back unchanged

    fields = as_the_form_sends(build)
    fields["planned_due"] = "2026-04-17"
    services.milestone_update(milestone=build, actor=world.manager, **fields)
    assert said(project) == "changed milestone 2 “Build”: planned due 10 Apr 2026 → 17 Apr 2026"


def test_deliverable_edits_are_recorded_before_and_after(world, project):
    build = project.milestones.get(position=2)
    fields = as_the_form_sends(build)
    fields["deliverables"][0]["acceptance_criteria"] = "Every page loads in 2 s."
    fields["deliverables"][1:] = [{"title": "Search", "acceptance_criteria": ""}]
    services.milestone_update(milestone=build, actor=world.manager, **fields)
    assert said(project) == (
        "changed milestone 2 “Build”: deliverables: added “Search”, removed “Admin”, "
        "acceptance criteria of “Staging site” changed"
    )


def test_a_long_scope_edit_is_a_short_diff(world, project):
    first = project.milestones.get(position=1)
    scope = "Workshops and a written specification, with a clickable prototype of the shop."
    services.milestone_update(milestone=first, actor=world.manager, scope=scope)
    event = latest(project)
    assert event.data["after"]["scope"] == scope  # the whole text is kept
    assert said(project) == (
        "changed milestone 1 “Discovery”: scope changed: “specification.” → “specification, "
        "with a clickable…”"
    )


def test_added_moved_and_removed_milestones_name_themselves(world, project):
    item = {**milestone_items()[0], "title": "Launch", "budget": "500.00"}
    item.update(planned_start="2026-04-13", planned_due="2026-04-17")
    launch = services.milestone_add(project=project, actor=world.manager, **item)
    assert said(project) == "added milestone 3 “Launch” (€500.00)"
    services.milestone_move(milestone=launch, position=1, actor=world.manager)
    assert said(project) == "moved “Launch” from position 3 to 1"
    services.milestone_remove(milestone=Milestone.objects.get(pk=launch.pk), actor=world.manager)
    assert said(project) == "removed milestone 1 “Launch” (€500.00)"


def test_project_details_say_each_change(world, project):
    services.project_update(
        project=project,
        actor=world.manager,
        name="Acme webshop relaunch",
        total_budget="12000.00",
        sequential_gating=False,
    )
    assert said(project) == (
        "changed the project's details: name “Acme webshop” → “Acme webshop relaunch”; "
        "total budget €10,000.00 → €12,000.00; sequential gating on → off"
    )


def test_organisation_and_client_changes_are_recorded_with_old_and_new(world):
    organisation_update(organisation=world.organisation, actor=world.owner, payment_terms_days=30)
    event = AuditEvent.objects.filter(action=AuditAction.ORGANISATION_UPDATED).latest("sequence")
    assert event.data == {"before": {"payment_terms_days": 14}, "after": {"payment_terms_days": 30}}
    assert describe(event) == "changed the organisation's settings: payment terms (days) 14 → 30"
    client_update(client=world.client, actor=world.manager, name="Acme Shop GmbH")
    event = AuditEvent.objects.filter(action=AuditAction.CLIENT_UPDATED).latest("sequence")
    assert describe(event) == "changed a client's details: name “Acme Shop” → “Acme Shop GmbH”"


def test_an_entry_in_the_old_shape_still_verifies_and_reads(world, project):
    """Written the way milestone edits were recorded before the title and currency were."""
    from django.db import transaction

    build = project.milestones.get(position=2)
    with transaction.atomic():
        audit_record(
            organisation=world.organisation,
            actor=world.manager,
            action=AuditAction.MILESTONE_UPDATED,
            target=build,
            project=project,
            data={
                "position": 2,
                "before": {"budget": "6000.00"},
                "after": {"budget": "5500.00", "deliverables": ["Staging site", "Admin"]},
            },
        )
    assert verify_chains().ok
    [entry] = selectors.project_events(project, world.manager)[:1]
    assert describe(entry, currency="EUR") == (
        "changed milestone 2: budget €6,000.00 → €5,500.00; deliverables: “Staging site”, “Admin”"
    )


def test_the_api_gives_the_text_and_the_structured_changes(world, project, api_as):
    build = project.milestones.get(position=2)
    services.milestone_update(
        milestone=build, actor=world.manager, budget="5500.00", billing_trigger="on_start"
    )
    body = api_as(world.manager).get(f"/api/v1/projects/{project.pk}/events/").json()
    newest = body["results"][0]
    assert newest["action"] == "milestone.updated"
    assert newest["text"] == (
        "changed milestone 2 “Build”: budget €6,000.00 → €5,500.00; "
        "billing trigger On approval → On start (prepayment)"
    )
    assert newest["changes"] == [
        {
            "field": "budget",
            "label": "budget",
            "old": "6000.00",
            "new": "5500.00",
            "text": "budget €6,000.00 → €5,500.00",
        },
        {
            "field": "billing_trigger",
            "label": "billing trigger",
            "old": "on_approval",
            "new": "on_start",
            "text": "billing trigger On approval → On start (prepayment)",
        },
    ]
    created = body["results"][-1]
    assert created["action"] == "project.created"
    assert created["text"] == "created the project"


def test_the_openapi_document_declares_the_changes(api_as, world):
    schema = api_as(world.manager).get("/api/v1/schema/").json()
    event = schema["components"]["schemas"]["Event"]["properties"]
    assert event["text"]["type"] == "string"
    assert event["changes"]["items"]["$ref"] == "#/components/schemas/Change"
    change = schema["components"]["schemas"]["Change"]
    assert set(change["required"]) == {"field", "label", "old", "new", "text"}


def test_the_project_page_shows_what_changed(world, project, client):
    build = project.milestones.get(position=2)
    services.milestone_update(milestone=build, actor=world.manager, budget="5500.00")
    client.force_login(world.manager)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "changed milestone 2 “Build”: budget €6,000.00 → €5,500.00" in html


def test_a_move_through_the_edit_is_recorded_with_the_other_changes(world, project):
    build = project.milestones.get(position=2)
    services.milestone_update(milestone=build, actor=world.manager, position=1, budget="5500.00")
    assert said(project) == (
        "changed milestone 1 “Build”: position 2 → 1; budget €6,000.00 → €5,500.00"
    )
