"""Plan reads: who sees which projects, and the figures the project list shows."""

from decimal import Decimal

import pytest

from milepost.core.errors import NotFound
from milepost.plans import selectors, services
from milepost.plans.models import Milestone, MilestoneStatus, ProjectStatus

from ..factories import ClientFactory, ContactFactory, MembershipFactory
from .conftest import fresh, milestone_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_projects(world, make_project):
    """Two projects for Acme Shop (the contact has access to the first), one for another client."""
    shop = make_project(name="Webshop")
    app = make_project(name="App", milestones=None)
    other_client = ClientFactory(organisation=world.organisation, name="Globex")
    other = make_project(name="Intranet", client=other_client)
    services.project_access_grant(
        project=shop, email=world.contact.email, role="viewer", actor=world.manager
    )
    return shop, app, other


def names(queryset):
    return sorted(p.name for p in queryset)


def test_agency_members_see_every_project_of_their_organisation(world, three_projects):
    for role in ("owner", "manager", "member"):
        assert names(selectors.projects_visible_to(fresh(world.user(role)))) == [
            "App",
            "Intranet",
            "Webshop",
        ]


def test_a_contact_sees_only_the_projects_they_were_given(world, three_projects):
    shop, app, _other = three_projects
    assert names(selectors.projects_visible_to(fresh(world.contact))) == []  # not proposed yet
    services.plan_propose(project=shop, actor=world.manager)
    contact = fresh(world.contact)
    assert names(selectors.projects_visible_to(contact)) == ["Webshop"]

    # Access to a draft never proposed shows nothing: it is the agency's alone.
    services.project_access_grant(
        project=app, email=world.contact.email, role="approver", actor=world.owner
    )
    assert names(selectors.projects_visible_to(fresh(world.contact))) == ["Webshop"]

    # Another contact of the same client, without access, sees nothing.
    colleague = ContactFactory(client=world.client).user
    assert names(selectors.projects_visible_to(fresh(colleague))) == []


def test_an_outsider_sees_none(world, three_projects):
    assert names(selectors.projects_visible_to(fresh(world.outsider))) == []


def test_anonymous_sees_none(three_projects):
    from django.contrib.auth.models import AnonymousUser

    assert names(selectors.projects_visible_to(AnonymousUser())) == []


def test_a_member_of_two_organisations_sees_both_but_can_narrow(
    world, three_projects, make_project
):
    MembershipFactory(organisation=world.other_organisation, user=world.member)
    services.project_create(
        organisation=world.other_organisation,
        client=ClientFactory(organisation=world.other_organisation),
        actor=world.outsider,
        name="Elsewhere",
        currency="EUR",
        total_budget="100.00",
        start_date="2026-03-02",
    )
    member = fresh(world.member)
    assert names(selectors.projects_visible_to(member)) == [
        "App",
        "Elsewhere",
        "Intranet",
        "Webshop",
    ]
    assert names(
        selectors.projects_visible_to(member, organisation_id=world.other_organisation.pk)
    ) == ["Elsewhere"]


def test_filters_by_status_and_client(world, three_projects):
    shop, _app, other = three_projects
    services.plan_propose(project=shop, actor=world.manager)
    manager = fresh(world.manager)
    assert names(selectors.projects_visible_to(manager, status=ProjectStatus.PROPOSED)) == [
        "Webshop"
    ]
    assert names(selectors.projects_visible_to(manager, client_id=other.client_id)) == ["Intranet"]
    assert names(selectors.projects_visible_to(manager, client_id=str(world.client.pk))) == [
        "App",
        "Webshop",
    ]
    with pytest.raises(NotFound):
        list(selectors.projects_visible_to(manager, client_id="abc"))


def test_newest_project_first(world, three_projects):
    assert [p.name for p in selectors.projects_visible_to(fresh(world.owner))] == [
        "Intranet",
        "App",
        "Webshop",
    ]


def test_annotations_approved_and_next(world, make_project):
    items = milestone_items()
    items.append(
        {
            "title": "Launch",
            "budget": "500.00",
            "planned_start": "2026-04-13",
            "planned_due": "2026-04-17",
        }
    )
    project = make_project(milestones=items, total_budget="10500.00")
    blank = make_project(name="Blank", milestones=None)

    def row(p):
        projects = selectors.projects_visible_to(fresh(world.owner))
        projects = selectors.with_next_milestone(projects, budget=True)
        return selectors.with_approved_budget(projects).get(pk=p.pk)

    fresh_row = row(project)
    assert fresh_row.approved_budget == Decimal("0")
    assert fresh_row.next_title == "Discovery"
    assert fresh_row.next_budget == Decimal("4000.00")
    assert str(fresh_row.next_due) == "2026-03-13"

    Milestone.objects.filter(project=project, position=1).update(status=MilestoneStatus.APPROVED)
    Milestone.objects.filter(project=project, position=2).update(status=MilestoneStatus.CLOSED)
    later = row(project)
    assert later.approved_budget == Decimal("10000.00")
    assert later.next_title == "Launch"

    Milestone.objects.filter(project=project, position=3).update(status=MilestoneStatus.IN_REVIEW)
    assert row(project).approved_budget == Decimal("10000.00")
    assert row(project).next_title == "Launch"

    Milestone.objects.filter(project=project, position=3).update(status=MilestoneStatus.APPROVED)
    done = row(project)
    assert done.approved_budget == Decimal("10500.00")
    assert done.next_title is None
    assert done.next_due is None

    empty = row(blank)
    assert (empty.approved_budget, empty.next_title, empty.next_due) == (Decimal("0"), None, None)


def test_approved_budget_is_not_multiplied_by_access_rows(world, project, approver):
    services.plan_propose(project=project, actor=world.manager)
    Milestone.objects.filter(project=project).update(status=MilestoneStatus.APPROVED)
    for i in range(3):
        services.project_access_grant(
            project=project, email=f"person{i}@acme.test", role="viewer", actor=world.owner
        )
    for user in (fresh(world.owner), approver):
        [row] = selectors.with_approved_budget(selectors.projects_visible_to(user))
        assert row.approved_budget == Decimal("10000.00")


def test_members_see_their_organisations_projects_only(world, project):
    other = selectors.projects_visible_to(
        fresh(world.owner), organisation_id=world.other_organisation.pk
    )
    assert list(other) == []
    assert list(selectors.projects_visible_to(fresh(world.outsider))) == []
    mine = selectors.projects_visible_to(fresh(world.owner), organisation_id=world.organisation.pk)
    assert [p.pk for p in mine] == [project.pk]


# --- project_get ----------------------------------------------------------------------------------


def test_project_get_for_members_and_contacts_with_access(world, project, approver):
    services.plan_propose(project=project, actor=world.manager)
    for user in (fresh(world.member), approver):
        got = selectors.project_get(user, project.pk)
        assert got.pk == project.pk
        assert [m.title for m in got.milestones.all()] == ["Discovery", "Build"]
        assert [d.title for d in got.milestones.all()[1].deliverables.all()] == [
            "Staging site",
            "Admin",
        ]
    assert selectors.project_get(fresh(world.owner), str(project.pk)).pk == project.pk


def test_project_get_is_not_found_for_those_who_may_not_see_it(world, project):
    colleague = ContactFactory(client=world.client).user
    for user in (fresh(world.outsider), fresh(world.contact), fresh(colleague)):
        with pytest.raises(NotFound):
            selectors.project_get(user, project.pk)
    for bad_id in ("abc", None, 999999):
        with pytest.raises(NotFound):
            selectors.project_get(fresh(world.owner), bad_id)


def test_milestone_get_for_members_and_contacts_with_access(world, project, approver, viewer):
    milestone = project.milestones.get(position=2)
    services.plan_propose(project=project, actor=world.manager)
    for user in (fresh(approver), fresh(viewer), fresh(world.member)):
        got = selectors.milestone_get(user, milestone.pk)
        assert got == milestone
        assert [d.title for d in got.deliverables.all()] == ["Staging site", "Admin"]
    other_contact = ContactFactory(client=world.client).user
    for user in (fresh(world.outsider), other_contact):
        with pytest.raises(NotFound):
            selectors.milestone_get(user, milestone.pk)
    for bad_id in ("abc", None, 999999):
        with pytest.raises(NotFound):
            selectors.milestone_get(fresh(world.owner), bad_id)


def test_templates_for_lists_builtin_then_own(world, project):
    services.template_save_from_project(project=project, name="Ours", actor=world.manager)
    slugs = [(t["slug"], t["builtin"]) for t in selectors.templates_for(fresh(world.member))]
    assert slugs == [("website-cms", True), ("ours", False)]
    outsider = [(t["slug"], t["builtin"]) for t in selectors.templates_for(fresh(world.outsider))]
    assert outsider == [("website-cms", True)]
