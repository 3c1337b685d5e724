"""Lists sort, search, paginate and say how many, on the web and in the API; search across
projects, clients and invoices finds only what the reader may see."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from milepost.accounts.models import Role
from milepost.billing.models import Invoice
from milepost.core import clock, ordering
from milepost.notify.models import Notification
from milepost.plans import services as plans
from milepost.plans.models import Milestone
from milepost.reviews import services as reviews

from ..factories import ClientFactory, MembershipFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def _project(world, name, *, client=None, organisation=None, owner=None, budget="10000.00"):
    return plans.project_create(
        organisation=organisation or world.organisation,
        client=client or world.client,
        actor=owner or world.owner,
        name=name,
        currency="EUR",
        total_budget=budget,
        start_date="2027-01-04",
        template="website-cms",
    )


def _invoiced(world, name, *, client=None, organisation=None, owner=None, contact=None):
    """An accepted project whose first milestone is approved: one invoice."""
    owner = owner or world.owner
    contact = contact or world.contact
    project = _project(world, name, client=client, organisation=organisation, owner=owner)
    plans.project_access_grant(project=project, email=contact.email, role="approver", actor=owner)
    approver = type(contact).objects.get(pk=contact.pk)
    plans.plan_propose(project=project, actor=owner)
    plans.plan_accept(project=project, actor=approver)
    first = Milestone.objects.select_related("project").get(project=project, position=1)
    reviews.milestone_start(milestone=first, actor=owner)
    reviews.milestone_deliver(milestone=first, actor=owner, notes="Done")
    approver = type(contact).objects.get(pk=contact.pk)
    reviews.milestone_approve(milestone=first, actor=approver, accept_open_items=True)
    return Invoice.objects.get(milestone=first)


def _names(html: str, link: str) -> list[str]:
    """The text of the links to ``/<link>/<id>/`` in page order."""
    return re.findall(rf'href="/{link}/\d+/">([^<]+)</a>', html)


# --- core.ordering -------------------------------------------------------------------------------


def test_an_ordering_reverses_every_field_and_lists_each_key_both_ways():
    orderings = {"name": ("name", "id"), "created": ("-created_at", "id")}
    assert ordering.fields("name", orderings) == ["name", "id"]
    assert ordering.fields("-name", orderings) == ["-name", "-id"]
    assert ordering.fields("-created", orderings) == ["created_at", "-id"]
    assert ordering.choices(orderings) == ["name", "created", "-name", "-created"]
    assert not ordering.is_valid("--name", orderings)
    assert not ordering.is_valid("id", orderings)
    assert not ordering.is_valid("", orderings)


# --- Projects ------------------------------------------------------------------------------------


def test_projects_sort_by_name_both_ways_and_search_the_clients_name(world, client):
    other = ClientFactory(organisation=world.organisation, name="Zenith Bank")
    for name in ("Bravo", "Alpha", "Charlie"):
        _project(world, name)
    _project(world, "Delta", client=other)
    client.force_login(world.member)
    page = client.get("/projects/?sort=name").content.decode()
    assert _names(page, "projects") == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert "4 projects" in page
    assert 'aria-sort="ascending"' in page and 'href="?sort=-name"' in page
    page = client.get("/projects/?sort=-name").content.decode()
    assert _names(page, "projects") == ["Delta", "Charlie", "Bravo", "Alpha"]
    page = client.get("/projects/?q=zenith").content.decode()
    assert _names(page, "projects") == ["Delta"] and "1 project<" in page
    page = client.get("/projects/?q=nothing-like-it").content.decode()
    assert "No project matches these filters." in page


def test_an_unknown_sort_is_the_default_newest_first(world, client):
    for name in ("First", "Second"):
        _project(world, name)
    client.force_login(world.owner)
    page = client.get("/projects/?sort=drop table").content.decode()
    assert _names(page, "projects") == ["Second", "First"]


def test_project_pages_keep_the_search_and_the_sort(world, client):
    for n in range(22):
        _project(world, f"Shop {n:02}", budget="1000.00")
    client.force_login(world.owner)
    page = client.get("/projects/?q=shop&sort=name").content.decode()
    assert "22 projects" in page
    assert _names(page, "projects")[0] == "Shop 00" and len(_names(page, "projects")) == 20
    assert 'href="?q=shop&amp;sort=name&amp;page=2"' in page
    page = client.get("/projects/?q=shop&sort=name&page=2").content.decode()
    assert _names(page, "projects") == ["Shop 20", "Shop 21"]
    # Filtering again keeps the sort the reader chose.
    assert '<input type="hidden" name="sort" value="name">' in page


# --- Invoices, clients, members, templates, notifications ---------------------------------------


def test_invoices_are_found_by_number_and_sorted_by_due_date(world, client):
    with clock.frozen(START):
        first = _invoiced(world, "Alpha shop")
        second = _invoiced(world, "Beta shop")
        client.force_login(world.owner)
        page = client.get(f"/invoices/?q={second.number}").content.decode()
        assert _names(page, "invoices") == [second.number]
        assert "1 invoice<" in page
        page = client.get("/invoices/?sort=number").content.decode()
        assert _names(page, "invoices") == [first.number, second.number]
        page = client.get("/invoices/?sort=-number").content.decode()
        assert _names(page, "invoices") == [second.number, first.number]
        page = client.get("/invoices/?q=beta").content.decode()  # the project's name
        assert _names(page, "invoices") == [second.number]


def test_clients_are_found_by_vat_id_and_sorted_by_name(world, client):
    ClientFactory(organisation=world.organisation, name="Beta GmbH", vat_id="DE136695976")
    ClientFactory(organisation=world.organisation, name="Alpha Ltd")
    client.force_login(world.member)
    page = client.get("/clients/?sort=-name").content.decode()
    assert _names(page, "clients") == ["Beta GmbH", "Alpha Ltd", "Acme Shop"]
    assert "3 clients" in page
    page = client.get("/clients/?q=DE1366").content.decode()
    assert _names(page, "clients") == ["Beta GmbH"]
    page = client.get("/clients/?q=nobody").content.decode()
    assert "No client matches “nobody”." in page


def test_members_are_found_by_email_and_counted(world, client):
    MembershipFactory(organisation=world.organisation, role=Role.MEMBER, user__email="zoe@x.io")
    client.force_login(world.owner)
    page = client.get("/members/").content.decode()
    assert "4 members" in page
    page = client.get("/members/?q=zoe@").content.decode()
    assert (
        "1 member<" in page
        and "zoe@x.io" in page
        and world.owner.email not in page.split("</header>")[1]
    )


def test_templates_are_searched_sorted_and_counted(world, client):
    draft = _project(world, "Draft")
    for name in ("Mobile app", "Brand refresh"):
        plans.template_save_from_project(project=draft, name=name, actor=world.owner)
    client.force_login(world.owner)
    page = client.get("/templates/").content.decode()
    assert "3 templates" in page
    names = re.findall(r"<strong>([^<]+)</strong>", page.split("<tbody>")[1])
    assert names == ["Website on a CMS", "Brand refresh", "Mobile app"]  # built in first
    page = client.get("/templates/?sort=-name").content.decode()
    names = re.findall(r"<strong>([^<]+)</strong>", page.split("<tbody>")[1])
    assert names == ["Website on a CMS", "Mobile app", "Brand refresh"]
    page = client.get("/templates/?q=APP").content.decode()
    assert "1 template<" in page and "Mobile app" in page and "Brand refresh" not in page
    page = client.get("/templates/?q=no-such-template").content.decode()
    assert "No template matches" in page


def test_notifications_show_the_oldest_first_on_request(world, client):
    for n, day in enumerate((5, 6, 7)):
        Notification.objects.create(
            user=world.contact,
            category="review",
            title=f"Note {n}",
            created_at=dt.datetime(2027, 1, day, tzinfo=dt.UTC),
        )
    client.force_login(world.contact)
    page = client.get("/notifications/").content.decode()
    assert "3 notifications" in page
    assert re.findall(r"Note \d", page) == ["Note 2", "Note 1", "Note 0"]
    page = client.get("/notifications/?sort=created").content.decode()
    assert re.findall(r"Note \d", page) == ["Note 0", "Note 1", "Note 2"]


# --- Search --------------------------------------------------------------------------------------


def test_search_finds_projects_clients_and_invoices_of_the_agency_only(world, client):
    with clock.frozen(START):
        invoice = _invoiced(world, "Harbour site")
        theirs = ClientFactory(organisation=world.other_organisation, name="Harbour Other")
        _project(
            world,
            "Harbour elsewhere",
            client=theirs,
            organisation=world.other_organisation,
            owner=world.outsider,
        )
    ClientFactory(organisation=world.organisation, name="Harbour Authority")
    client.force_login(world.member)
    page = client.get("/search/?q=harbour").content.decode()
    assert _names(page, "projects") == ["Harbour site"]
    assert _names(page, "clients") == ["Harbour Authority"]
    assert _names(page, "invoices") == [invoice.number]  # by its project's name
    assert "Harbour elsewhere" not in page and "Harbour Other" not in page
    assert "3 results for “harbour”" in page
    page = client.get(f"/search/?q={invoice.number.lower()}").content.decode()
    assert _names(page, "invoices") == [invoice.number]
    assert "1 invoice<" in page and "project<" not in page


def test_search_says_when_nothing_matches_and_what_it_searches(world, client):
    client.force_login(world.owner)
    assert "Nothing matches “zzz”." in client.get("/search/?q=zzz").content.decode()
    assert "by its number" in client.get("/search/").content.decode()
    assert 'action="/search/"' in client.get("/projects/").content.decode()  # the header box


def test_search_links_to_the_full_list_past_ten(world, client):
    for n in range(11):
        _project(world, f"Kiosk {n}", budget="1000.00")
    client.force_login(world.owner)
    page = client.get("/search/?q=kiosk").content.decode()
    assert len(_names(page, "projects")) == 10 and "11 projects" in page
    assert 'href="/projects/?q=kiosk"' in page


def test_client_contacts_do_not_search(world, client):
    client.force_login(world.contact)
    assert client.get("/search/?q=acme").status_code == 404
    assert 'action="/search/"' not in client.get("/").content.decode()


# --- API -----------------------------------------------------------------------------------------


def test_the_api_lists_search_and_sort(world, api_as):
    with clock.frozen(START):
        first = _invoiced(world, "Alpha shop")
        second = _invoiced(world, "Beta shop")
    owner = api_as(world.owner)
    rows = owner.get("/api/v1/projects/?ordering=name").json()["results"]
    assert [r["name"] for r in rows] == ["Alpha shop", "Beta shop"]
    rows = owner.get("/api/v1/projects/?ordering=-name&search=shop").json()["results"]
    assert [r["name"] for r in rows] == ["Beta shop", "Alpha shop"]
    rows = owner.get(f"/api/v1/invoices/?search={first.number}").json()["results"]
    assert [r["number"] for r in rows] == [first.number]
    rows = owner.get("/api/v1/invoices/?ordering=-number").json()["results"]
    assert [r["number"] for r in rows] == [second.number, first.number]
    rows = owner.get("/api/v1/clients/?search=acme").json()["results"]
    assert [r["name"] for r in rows] == ["Acme Shop"]


def test_the_api_refuses_an_unknown_ordering_naming_the_keys(world, api_as):
    response = api_as(world.owner).get("/api/v1/invoices/?ordering=amount")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "ordering" in error["details"] and "-due" in error["details"]["ordering"][0]
    response = api_as(world.owner).get("/api/v1/projects/?search=" + "x" * 101)
    assert response.status_code == 400 and "search" in response.json()["error"]["details"]


def test_a_contact_searching_the_api_finds_only_what_they_see(world, api_as):
    other_client = ClientFactory(organisation=world.organisation, name="Other Co")
    with clock.frozen(START):
        mine = _invoiced(world, "Shared shop")
    _project(world, "Secret shop", client=other_client)
    contact = api_as(world.contact)
    rows = contact.get("/api/v1/projects/?search=shop").json()["results"]
    assert [r["name"] for r in rows] == ["Shared shop"]
    rows = contact.get("/api/v1/invoices/?search=INV").json()["results"]
    assert [r["number"] for r in rows] == [mine.number]


def test_the_openapi_document_declares_search_and_ordering(api_as, world):
    schema = api_as(world.owner).get("/api/v1/schema/").json()
    for path in ("/api/v1/projects/", "/api/v1/invoices/", "/api/v1/clients/"):
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert "search" in params and "ordering" in params
        assert "-name" in params["ordering"]["schema"]["enum"] or path.endswith("invoices/")
    invoices = schema["paths"]["/api/v1/invoices/"]["get"]["parameters"]
    ordering_values = next(p for p in invoices if p["name"] == "ordering")["schema"]["enum"]
    assert "due" in ordering_values and "-due" in ordering_values


def test_unpaid_invoices_are_a_filter_on_the_web_and_in_the_api(world, client, api_as):
    from milepost.billing import services as billing

    with clock.frozen(START):
        paid = _invoiced(world, "Paid shop")
        billing.payment_record(
            invoice=paid,
            amount=str(paid.gross),
            date="2027-01-04",
            method="cash",
            actor=world.owner,
        )
        open_one = _invoiced(world, "Open shop")
        client.force_login(world.contact)
        page = client.get("/invoices/?status=unpaid&sort=due").content.decode()
    assert _names(page, "invoices") == [open_one.number]
    rows = api_as(world.contact).get("/api/v1/invoices/?status=unpaid").json()["results"]
    assert [r["number"] for r in rows] == [open_one.number]
    rows = api_as(world.contact).get("/api/v1/invoices/?status=paid").json()["results"]
    assert [r["number"] for r in rows] == [paid.number]


def test_the_clients_list_names_each_clients_country(world, client):
    ClientFactory(organisation=world.organisation, name="Wiener Werkstatt", country="AT")
    client.force_login(world.owner)
    page = client.get("/clients/").content.decode()
    assert "<td>Austria</td>" in page
    assert "<td>AT</td>" not in page
