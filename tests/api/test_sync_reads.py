"""Sync-friendly reads: every list takes ``updated_since`` and ``ordering=updated_at``, and every
object answers with the ``updated_at`` that every write moves (docs/sync.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.accounts import services as accounts
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.notify import services as notify
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews
from milepost.reviews.models import Delivery
from tests.factories import accepted_project

from .contract import fetch_schema

pytestmark = pytest.mark.django_db

MADE = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)  # everything is built then
LATER = dt.datetime(2027, 1, 6, 9, tzinfo=dt.UTC)  # ... and some of it changed then
SINCE = "2027-01-05T00:00:00Z"


def _json_time(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _get(api, path: str, **params) -> list[dict]:
    response = api.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _ids(api, path: str, **params) -> list[int]:
    return [row["id"] for row in _get(api, path, **params)]


def _first(project: Project) -> Milestone:
    return Milestone.objects.select_related("project").get(project=project, position=1)


def _approved(world, milestone: Milestone) -> Invoice:
    """Start, deliver and approve ``milestone`` (its invoice is issued)."""
    reviews.milestone_start(milestone=_first(milestone.project), actor=world.owner)
    reviews.milestone_deliver(milestone=_first(milestone.project), actor=world.owner, notes="v1")
    reviews.milestone_approve(
        milestone=_first(milestone.project), actor=world.contact, accept_open_items=True
    )
    return Invoice.objects.get(milestone=milestone)


@pytest.fixture
def two(world):
    """Two accepted projects made at ``MADE``: the first is changed at ``LATER``."""
    changed = accepted_project(world, "Shop", at=MADE)
    unchanged = accepted_project(world, "Blog", at=MADE)
    return changed, unchanged


# -- every object carries updated_at ------------------------------------------------------------


def _list_operations(schema: dict):
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        ok = get["responses"].get("200", {}).get("content", {}).get("application/json", {})
        ref = ok.get("schema", {}).get("$ref", "")
        if ref.split("/")[-1].startswith("Paginated"):
            yield path, get, ref.split("/")[-1]


def test_every_list_in_the_schema_takes_updated_since_and_ordering_and_shows_updated_at():
    schema = fetch_schema()
    components = schema["components"]["schemas"]
    seen = []
    for path, get, paginated in _list_operations(schema):
        params = {p["name"]: p for p in get.get("parameters", []) if p["in"] == "query"}
        assert params["updated_since"]["schema"] == {"type": "string", "format": "date-time"}, path
        assert "updated_at" in params["ordering"]["schema"]["enum"], path
        assert "-updated_at" in params["ordering"]["schema"]["enum"], path
        item = components[paginated]["properties"]["results"]["items"]["$ref"].split("/")[-1]
        assert "updated_at" in components[item]["properties"], (path, item)
        seen.append(path)
    # The walk found the lists (a schema without them would pass the loop vacuously).
    assert {"/api/v1/projects/", "/api/v1/invoices/", "/api/v1/clients/"} <= set(seen)
    assert "/api/v1/projects/{id}/milestones/" in seen
    assert len(seen) >= 13


def test_every_detail_answer_in_the_schema_shows_updated_at():
    components = fetch_schema()["components"]["schemas"]
    for name in (
        "Project",
        "Milestone",
        "InvoiceDetail",
        "ClientDetail",
        "ChangeOrder",
        "ChangeOrderRequest",
        "Notification",
    ):
        assert "updated_at" in components[name]["properties"], name


def test_every_list_item_and_detail_answers_with_its_updated_at(world, api_as, two):
    project, _ = two
    milestone = _first(project)
    with clock.frozen(LATER):
        invoice = _approved(world, milestone)
        plans.change_order_create(project=project, actor=world.owner, title="More pages")
        reviews.comment_add(milestone=_first(project), actor=world.owner, body="Hello")
    api = api_as(world.owner)
    lists = [
        "/api/v1/projects/",
        "/api/v1/clients/",
        "/api/v1/invoices/",
        f"/api/v1/projects/{project.pk}/milestones/",
        f"/api/v1/projects/{project.pk}/change-orders/",
        f"/api/v1/projects/{project.pk}/plan-versions/",
        f"/api/v1/projects/{project.pk}/events/",
        f"/api/v1/projects/{project.pk}/access/",
        f"/api/v1/milestones/{milestone.pk}/deliveries/",
        f"/api/v1/milestones/{milestone.pk}/comments/",
        f"/api/v1/milestones/{milestone.pk}/support-requests/",
    ]
    for path in lists:
        rows = _get(api, path)
        assert rows, path
        assert all(row["updated_at"] for row in rows), path
    notes = _get(api_as(world.contact), "/api/v1/notifications/")
    assert notes and all(row["updated_at"] for row in notes)
    details = [
        f"/api/v1/projects/{project.pk}/",
        f"/api/v1/milestones/{milestone.pk}/",
        f"/api/v1/invoices/{invoice.pk}/",
        f"/api/v1/clients/{world.client.pk}/",
    ]
    for path in details:
        assert api.get(path).json()["updated_at"], path
    project_json = api.get(details[0]).json()
    assert all(m["updated_at"] for m in project_json["milestones"])


# -- updated_since ------------------------------------------------------------------------------


def test_projects_since_show_the_one_changed_through_a_service(world, api_as, two):
    changed, unchanged = two
    with clock.frozen(LATER):
        plans.project_update(project=changed, actor=world.owner, summary="New words")
    api = api_as(world.owner)

    assert _ids(api, "/api/v1/projects/", updated_since=SINCE) == [changed.pk]
    assert set(_ids(api, "/api/v1/projects/")) == {changed.pk, unchanged.pk}
    row = _get(api, "/api/v1/projects/", updated_since=SINCE)[0]
    assert row["updated_at"] == _json_time(LATER)


def test_a_milestone_started_moves_itself_and_its_project(world, api_as, two):
    """Starting is a conditional ``QuerySet.update()``: it moves updated_at as a save would,
    and the project, whose answer embeds its plan, moves with it."""
    changed, unchanged = two
    milestone = _first(changed)
    with clock.frozen(LATER):
        reviews.milestone_start(milestone=milestone, actor=world.owner)
    api = api_as(world.owner)

    assert Milestone.objects.get(pk=milestone.pk).updated_at == LATER
    assert _ids(api, f"/api/v1/projects/{changed.pk}/milestones/", updated_since=SINCE) == [
        milestone.pk
    ]
    assert _ids(api, "/api/v1/projects/", updated_since=SINCE) == [changed.pk]
    assert _ids(api, f"/api/v1/projects/{unchanged.pk}/milestones/", updated_since=SINCE) == []


def test_an_invoice_paid_is_listed_since_and_one_unpaid_is_not(world, api_as, two):
    first, second = two
    with clock.frozen(MADE):
        paid = _approved(world, _first(first))
        unpaid = _approved(world, _first(second))
    with clock.frozen(LATER):
        reviews.payment_record_and_release(
            invoice=paid,
            amount=paid.gross,
            date="2027-01-06",
            method="bank_transfer",
            actor=world.owner,
        )
    api = api_as(world.owner)

    assert Invoice.objects.get(pk=paid.pk).status == "paid"
    assert _ids(api, "/api/v1/invoices/", updated_since=SINCE) == [paid.pk]
    assert unpaid.pk in _ids(api, "/api/v1/invoices/")
    assert _ids(api_as(world.contact), "/api/v1/invoices/", updated_since=SINCE) == [paid.pk]


def test_a_client_edited_is_listed_since(world, api_as):
    with clock.frozen(MADE):
        other = accounts.client_create(
            organisation=world.organisation, actor=world.owner, name="Beta Ltd"
        )
        accounts.client_update(client=world.client, actor=world.owner, name="Acme")
    with clock.frozen(LATER):
        accounts.client_update(client=other, actor=world.owner, city="Berlin")
    api = api_as(world.owner)

    assert _ids(api, "/api/v1/clients/", updated_since=SINCE) == [other.pk]
    assert set(_ids(api, "/api/v1/clients/")) == {other.pk, world.client.pk}


def test_a_notification_read_is_listed_since(world, api_as):
    with clock.frozen(MADE):
        notify.notify(users=[world.contact], category="review", title="One")
        notify.notify(users=[world.contact], category="review", title="Two")
    first, second = world.contact.notifications.order_by("id")
    with clock.frozen(LATER):
        notify.notification_read(notification=first, actor=world.contact)
    api = api_as(world.contact)

    assert _ids(api, "/api/v1/notifications/", updated_since=SINCE) == [first.pk]
    assert set(_ids(api, "/api/v1/notifications/")) == {first.pk, second.pk}


def test_a_verdict_moves_its_delivery(world, api_as, two):
    project, _ = two
    with clock.frozen(MADE):
        reviews.milestone_start(milestone=_first(project), actor=world.owner)
        delivery = reviews.milestone_deliver(
            milestone=_first(project), actor=world.owner, notes="v1"
        )
    deliverable = _first(project).deliverables.first()
    path = f"/api/v1/milestones/{_first(project).pk}/deliveries/"
    api = api_as(world.owner)
    assert _ids(api, path, updated_since=SINCE) == []

    with clock.frozen(LATER):
        reviews.deliverable_verdict(deliverable=deliverable, actor=world.contact, status="passed")

    assert Delivery.objects.get(pk=delivery.pk).updated_at == LATER
    assert _ids(api, path, updated_since=SINCE) == [delivery.pk]


def test_a_deliverable_edited_moves_its_milestone_and_project(world):
    with clock.frozen(MADE):
        project = plans.project_create(
            organisation=world.organisation,
            client=world.client,
            actor=world.owner,
            name="Draft",
            currency="EUR",
            total_budget="1000.00",
            start_date="2027-01-04",
            template="website-cms",
        )
    milestone = _first(project)
    with clock.frozen(LATER):
        plans.milestone_update(
            milestone=milestone,
            actor=world.owner,
            deliverables=[{"title": "Only this", "acceptance_criteria": "It works"}],
        )

    assert Milestone.objects.get(pk=milestone.pk).updated_at == LATER
    assert Project.objects.get(pk=project.pk).updated_at == LATER
    untouched = Milestone.objects.get(project=project, position=2)
    assert untouched.updated_at == MADE


def test_nested_lists_honour_updated_since(world, api_as, two):
    """Each nested list drops what did not change since, and keeps what did."""
    project, _ = two
    milestone = _first(project)
    with clock.frozen(LATER):
        _approved(world, milestone)
        plans.change_order_create(project=project, actor=world.owner, title="More pages")
        reviews.comment_add(milestone=_first(project), actor=world.owner, body="Hello")
    api = api_as(world.owner)
    since = {"updated_since": SINCE}
    cases = [
        f"/api/v1/projects/{project.pk}/milestones/",
        f"/api/v1/projects/{project.pk}/events/",
        f"/api/v1/projects/{project.pk}/change-orders/",
        f"/api/v1/milestones/{milestone.pk}/deliveries/",
    ]
    for path in cases:
        everything, recent = _get(api, path), _get(api, path, **since)
        assert recent, path
        assert len(recent) < len(everything) or path.endswith(("deliveries/", "change-orders/"))
        assert all(row["updated_at"] >= SINCE for row in recent), path
        assert all(row["updated_at"] < SINCE for row in everything if row not in recent), path
    # The thread's entries are stamped when written (Django's clock, not the frozen one): ask
    # for those at or after the newest.
    thread = f"/api/v1/milestones/{milestone.pk}/comments/"
    entries = _get(api, thread)
    newest = max(row["updated_at"] for row in entries)
    recent = _get(api, thread, updated_since=newest)
    assert recent and len(recent) < len(entries)
    assert all(row["updated_at"] == newest for row in recent)
    # Versions and access were made before, and did not change.
    assert _get(api, f"/api/v1/projects/{project.pk}/plan-versions/", **since) == []
    assert _get(api, f"/api/v1/projects/{project.pk}/access/", **since) == []
    assert len(_get(api, f"/api/v1/projects/{project.pk}/plan-versions/")) == 1


def test_updated_since_is_at_or_after_ties_included(world, api_as, two):
    changed, _ = two
    with clock.frozen(LATER):
        plans.project_update(project=changed, actor=world.owner, summary="Tie")
    api = api_as(world.owner)

    assert _ids(api, "/api/v1/projects/", updated_since=_json_time(LATER)) == [changed.pk]
    later_by_one = _json_time(LATER + dt.timedelta(microseconds=1))
    assert _ids(api, "/api/v1/projects/", updated_since=later_by_one) == []
    # An offset other than Z reads the same instant.
    assert _ids(api, "/api/v1/projects/", updated_since="2027-01-06T10:00:00+01:00") == [changed.pk]


# -- ordering -----------------------------------------------------------------------------------


def test_lists_sort_by_updated_at_both_ways(world, api_as, two):
    changed, unchanged = two
    with clock.frozen(LATER):
        plans.project_update(project=changed, actor=world.owner, summary="Newest")
    api = api_as(world.owner)

    assert _ids(api, "/api/v1/projects/", ordering="updated_at") == [unchanged.pk, changed.pk]
    assert _ids(api, "/api/v1/projects/", ordering="-updated_at") == [changed.pk, unchanged.pk]

    milestones = f"/api/v1/projects/{unchanged.pk}/milestones/"
    with clock.frozen(LATER):
        reviews.milestone_start(milestone=_first(unchanged), actor=world.owner)
    ascending = _ids(api, milestones, ordering="updated_at")
    assert ascending[-1] == _first(unchanged).pk
    assert _ids(api, milestones, ordering="-updated_at")[0] == _first(unchanged).pk
    assert _ids(api, milestones) == sorted(
        ascending, key=lambda pk: Milestone.objects.get(pk=pk).position
    )


# -- bad values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2026-13-01", "2026-12-01", "2026-12-01T10:00:00", "2026-12-01T25:00:00Z"],
)
def test_a_bad_updated_since_is_a_400_naming_it(world, api_as, two, value):
    project, _ = two
    api = api_as(world.owner)
    for path in (
        "/api/v1/projects/",
        "/api/v1/invoices/",
        "/api/v1/clients/",
        "/api/v1/notifications/",
        f"/api/v1/projects/{project.pk}/milestones/",
        f"/api/v1/projects/{project.pk}/events/",
    ):
        response = api.get(path, {"updated_since": value})
        assert response.status_code == 400, (path, value)
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert list(error["details"]) == ["updated_since"], path
        assert "offset" in error["details"]["updated_since"][0]


def test_a_bad_ordering_on_a_nested_list_is_a_400_naming_its_values(world, api_as, two):
    project, _ = two
    response = api_as(world.owner).get(
        f"/api/v1/projects/{project.pk}/milestones/", {"ordering": "title"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["details"]["ordering"] == [
        "Sort by one of: updated_at, -updated_at."
    ]


def test_existing_orderings_still_sort(world, api_as, two):
    api = api_as(world.owner)
    names = [row["name"] for row in _get(api, "/api/v1/projects/", ordering="name")]
    assert names == ["Blog", "Shop"]


# -- the model layer ----------------------------------------------------------------------------


def test_a_conditional_update_that_matches_nothing_moves_nothing(world, two):
    project, _ = two
    milestone = _first(project)
    with clock.frozen(LATER):
        moved = Milestone.objects.filter(pk=milestone.pk, status="approved").update(status="closed")

    assert moved == 0
    assert Milestone.objects.get(pk=milestone.pk).updated_at == MADE
    assert Project.objects.get(pk=project.pk).updated_at == MADE


def test_an_update_naming_its_own_updated_at_keeps_it(world, two):
    project, _ = two
    when = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    Project.objects.filter(pk=project.pk).update(total_budget=Decimal("10000.00"), updated_at=when)

    assert Project.objects.get(pk=project.pk).updated_at == when
