"""Pages and API lists run an exact number of queries, whatever the size of their data.

Each case counts its queries at two data sizes that differ in every dimension the page lists —
clients, contacts, members, projects, milestones, deliverables, deliveries, verdicts, comments,
attachments, invoices, payments, support requests, access grants, events, templates, tokens,
notifications — and asserts the same exact count at both. Lists of the organisation grow in
place (``_grow``); a project's or a milestone's page is compared with a sibling that has more of
everything (``_plan``, ``_milestone_with_history``). Removing the ``select_related``,
``prefetch_related`` or annotation a page relies on makes its case fail.

An exact count changes when a page legitimately reads one more thing: update the number here,
in the same commit, and say why.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from milepost.accounts import services as accounts
from milepost.accounts.models import Role
from milepost.billing import services as billing
from milepost.core import clock
from milepost.forecast import services as forecasts
from milepost.plans import services as plans
from milepost.plans.models import Milestone
from milepost.reviews import services as reviews

from .factories import ClientFactory, ContactFactory, MembershipFactory

# The dashboards' "overdue" list compares planned dates with today: look from a day on which
# every first milestone (10 working days from 4 January 2027) is late and no second one is.
MEASURED_ON = dt.datetime(2027, 1, 25, 12, tzinfo=dt.UTC)


def _count(kind: str, path: str, user) -> int:
    user = type(user).objects.get(pk=user.pk)  # no roles cached from an earlier request
    if kind == "api":
        http = APIClient()
        http.force_authenticate(user)
    else:
        http = Client()
        http.force_login(user)
    with clock.frozen(MEASURED_ON), CaptureQueriesContext(connection) as queries:
        response = http.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


def _fresh(milestone: Milestone) -> Milestone:
    return Milestone.objects.select_related(
        "project", "project__organisation", "project__client"
    ).get(pk=milestone.pk)


def _project(world, name: str, *, client=None, access: bool = True):
    """A project from the website-cms template; the world's contact is its approver."""
    project = plans.project_create(
        organisation=world.organisation,
        client=client or world.client,
        actor=world.owner,
        name=name,
        currency="EUR",
        total_budget="10000.00",
        start_date="2027-01-04",
        template="website-cms",
    )
    if access:
        plans.project_access_grant(
            project=project, email=world.contact.email, role="approver", actor=world.owner
        )
    return project


def _accepted(world, name: str, *, client=None):
    project = _project(world, name, client=client)
    plans.plan_propose(project=project, actor=world.owner)
    plans.plan_accept(project=project, actor=_approver(world))
    return project


def _approver(world):
    return type(world.contact).objects.get(pk=world.contact.pk)


def _first(project) -> Milestone:
    return _fresh(Milestone.objects.get(project=project, position=1))


def _deliver(world, milestone, n: int) -> None:
    reviews.milestone_deliver(
        milestone=_fresh(milestone),
        actor=world.owner,
        notes=f"Version {n}",
        files=[SimpleUploadedFile(f"v{n}.txt", b"release notes")],
    )


def _grow(world, units: int, offset: int = 0) -> None:
    """Per unit, everything the organisation's lists show: a client with two contacts (and the
    world's contact, who speaks for one more client), a member, a template, an API token, a
    draft project, an active project with an approved milestone (its invoice voided, issued
    again and part-paid, open support requests, a comment) and one in review, and an active
    project whose first milestone is in progress (late on ``MEASURED_ON``)."""
    for i in range(offset, offset + units):
        client = ClientFactory(organisation=world.organisation, name=f"Client {i:02}")
        ContactFactory.create_batch(2, client=client)
        ContactFactory(client=client, user=world.contact)  # the contact speaks for more clients
        MembershipFactory(organisation=world.organisation, role=Role.MEMBER)
        accounts.api_token_create(user=world.owner, name=f"token {i}", actor=world.owner)
        draft = _project(world, f"Draft {i}", client=client, access=False)
        plans.template_save_from_project(project=draft, name=f"Template {i}", actor=world.owner)

        reviewed = _accepted(world, f"Reviewed {i}", client=client)
        first = _first(reviewed)
        reviews.milestone_start(milestone=first, actor=world.owner)
        _deliver(world, first, 1)
        approver = _approver(world)  # roles are cached on the user: read them afresh
        reviews.comment_add(milestone=_fresh(first), actor=approver, body=f"Looks good {i}")
        reviews.milestone_approve(milestone=_fresh(first), actor=approver, accept_open_items=True)
        # Voided and issued again: a credit note, and the invoice that replaces it.
        billing.invoice_void(
            invoice=first.invoices.get(kind="invoice"), actor=world.owner, reissue=True
        )
        invoice = first.invoices.get(kind="invoice", status="issued")
        billing.payment_record(
            invoice=invoice, amount="10.00", date="2026-01-05", method="cash", actor=world.owner
        )
        second = _fresh(Milestone.objects.get(project=reviewed, position=2))
        reviews.milestone_start(milestone=second, actor=world.owner)
        _deliver(world, second, 1)

        working = _accepted(world, f"Working {i}", client=client)
        reviews.milestone_start(milestone=_first(working), actor=world.owner)
    # What the events would have refreshed on commit (tests run in one transaction).
    with clock.frozen(MEASURED_ON):
        forecasts.refresh_all()


# kind, path, who, exact queries (SQLite and PostgreSQL alike)
LISTS = [
    ("web", "/", "owner", 21),  # money (2), next payments, proposed, startable, attention (2),
    # change orders asked for, change orders proposed and declined, the most slipped projects
    ("web", "/", "contact", 11),  # what they owe; the change orders waiting for them and
    # the ones they asked for
    ("web", "/clients/", "owner", 6),
    ("web", "/members/", "owner", 6),  # paginated: the count
    ("web", "/members/?q=example&sort=-role", "owner", 6),
    ("web", "/settings/", "owner", 9),
    ("web", "/projects/", "owner", 7),
    ("web", "/projects/?q=e&sort=-client", "owner", 7),
    ("web", "/search/?q=e", "owner", 10),  # a count and a read per group
    ("web", "/clients/?q=Client&sort=-contacts", "owner", 6),
    ("web", "/projects/", "contact", 7),
    ("web", "/templates/", "owner", 5),
    ("web", "/invoices/", "owner", 8),
    ("web", "/invoices/?q=INV&sort=due", "owner", 8),
    ("web", "/invoices/", "contact", 8),
    ("web", "/cash-flow/", "owner", 12),  # the filters' clients and projects, six sums
    ("web", "/cash-flow/?interval=week&from=2026-12-01&to=2027-06-30", "owner", 12),
    ("api", "/api/v1/cash-flow/", "owner", 7),  # six grouped sums, whatever the projects
    ("api", "/api/v1/cash-flow/?interval=week&from=2026-12-01", "owner", 7),
    ("web", "/notifications/", "contact", 6),
    ("api", "/api/v1/me/", "owner", 3),
    ("api", "/api/v1/me/", "contact", 3),
    ("api", "/api/v1/clients/", "owner", 3),
    ("api", "/api/v1/projects/", "owner", 6),
    ("api", "/api/v1/projects/", "contact", 6),
    ("api", "/api/v1/projects/?search=e&ordering=name", "owner", 6),
    ("api", "/api/v1/clients/?search=Client&ordering=-contacts", "owner", 3),
    ("api", "/api/v1/templates/", "owner", 2),
    ("api", "/api/v1/invoices/", "owner", 4),
    ("api", "/api/v1/invoices/?search=INV&ordering=-gross", "owner", 4),
    ("api", "/api/v1/invoices/", "contact", 4),
    ("api", "/api/v1/notifications/", "contact", 2),
    # A sync's read (docs/sync.md) costs what the plain list does.
    ("api", "/api/v1/clients/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at", "owner", 3),
    (
        "api",
        "/api/v1/projects/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "owner",
        6,
    ),
    (
        "api",
        "/api/v1/projects/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "contact",
        6,
    ),
    (
        "api",
        "/api/v1/invoices/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "owner",
        4,
    ),
    (
        "api",
        "/api/v1/notifications/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "contact",
        2,
    ),
]


def _user(world, who: str):
    return world.owner if who == "owner" else world.contact


def _mismatches(expected: dict, small: dict, large: dict) -> list[str]:
    return [
        f"{case}: expected {exact}, {small[case]} with few rows, {large[case]} with many"
        for case, exact in expected.items()
        if small[case] != exact or large[case] != exact
    ]


def _assert_same_queries(world, table, small, large, placeholder: str) -> None:
    """Visit every (kind, path, who, exact) of ``table`` for ``small`` (twice: the first visit
    creates the calendar feed) and ``large``, the path's ``{placeholder}`` filled with each
    one's id; fail on any count that is not the table's."""
    expected = {(kind, path, who): exact for kind, path, who, exact in table}
    counts = {}
    for obj in (small, small, large):
        counts[obj.pk] = {
            case: _count(case[0], case[1].format(**{placeholder: obj.pk}), _user(world, case[2]))
            for case in expected
        }
    problems = _mismatches(expected, counts[small.pk], counts[large.pk])
    assert not problems, "\n".join(problems)


def test_lists_run_the_same_queries_with_more_rows(world):
    """One data set for every list (building it is the slow part), grown from 2 units to 6."""
    expected = {(kind, path, who): exact for kind, path, who, exact in LISTS}
    _grow(world, 2)
    for kind, path, who in expected:
        _count(kind, path, _user(world, who))  # the first visit creates the calendar feed
    small = {case: _count(case[0], case[1], _user(world, case[2])) for case in expected}
    _grow(world, 4, offset=2)
    large = {case: _count(case[0], case[1], _user(world, case[2])) for case in expected}
    problems = _mismatches(expected, small, large)
    assert not problems, "\n".join(problems)


def _plan(world, name: str, size: int):
    """A draft with ``size`` extra milestones of ``size`` deliverables, ``size`` people given
    access, ``size`` invoices (one paid in part) and the events all of that wrote."""
    project = _project(world, name)
    for n in range(size):
        plans.milestone_add(
            project=project,
            actor=world.owner,
            title=f"Extra {n}",
            budget="10.00",
            planned_start="2027-06-01",
            planned_due="2027-06-04",
            deliverables=[
                {"title": f"Part {i}", "acceptance_criteria": "It works."} for i in range(size)
            ],
        )
        contact = ContactFactory(client=world.client).user
        plans.project_access_grant(
            project=project, email=contact.email, role="viewer", actor=world.owner
        )
        # Someone invited who has not accepted: listed with their pending invitation.
        plans.project_access_grant(
            project=project, email=f"{name}-{n}@invited.example", role="viewer", actor=world.owner
        )
    for milestone in project.milestones.order_by("position")[:size]:
        invoice = billing.invoice_issue(milestone=_fresh(milestone), trigger="on_approval")
        billing.payment_record(
            invoice=invoice, amount="1.00", date="2026-01-05", method="cash", actor=world.owner
        )
    return project


PROJECT_PAGES = [
    ("web", "/projects/{project}/", 13),  # 13: the access list's pending invitations
    ("web", "/projects/{project}/plan/", 9),
    ("web", "/projects/{project}/print/", 8),
    ("web", "/projects/{project}/cancel/", 8),
    ("web", "/projects/{project}/delete/", 7),
    ("api", "/api/v1/projects/{project}/", 4),
    ("api", "/api/v1/projects/{project}/milestones/", 4),
    ("api", "/api/v1/projects/{project}/events/", 6),
    ("api", "/api/v1/projects/{project}/access/", 6),
    # +2: the plan read again, filtered and sorted, with its deliverables
    (
        "api",
        "/api/v1/projects/{project}/milestones/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        6,
    ),
    (
        "api",
        "/api/v1/projects/{project}/events/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        6,
    ),
    (
        "api",
        "/api/v1/projects/{project}/access/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        6,
    ),
    (
        "api",
        "/api/v1/projects/{project}/plan-versions/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        5,
    ),
    (
        "api",
        "/api/v1/projects/{project}/change-orders/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        5,
    ),
]


def test_project_pages_run_the_same_queries_for_a_bigger_plan(world):
    small, large = _plan(world, "Small", 2), _plan(world, "Large", 7)
    expected = {(kind, path): exact for kind, path, exact in PROJECT_PAGES}
    counts = {}
    for project in (small, small, large):  # the first visit creates the calendar feed
        counts[project.pk] = {
            case: _count(case[0], case[1].format(project=project.pk), world.owner)
            for case in expected
        }
    problems = _mismatches(expected, counts[small.pk], counts[large.pk])
    assert not problems, "\n".join(problems)


CLIENT_PAGES = [
    ("web", "/clients/{client}/", 7),
    ("api", "/api/v1/clients/{client}/", 4),
]


def test_a_client_s_page_runs_the_same_queries_with_more_contacts_and_invitations(world):
    """Contacts who signed up, and contacts invited (pending, expired, revoked)."""
    expected = {(kind, path): exact for kind, path, exact in CLIENT_PAGES}
    clients = []
    for size in (2, 7):
        client = ClientFactory(organisation=world.organisation, name=f"Client of {size}")
        ContactFactory.create_batch(size, client=client)
        for n in range(size):
            accounts.contact_invite(
                client=client, email=f"c{size}-{n}@invited.example", actor=world.owner
            )
        clients.append(client)
    counts = [
        {case: _count(case[0], case[1].format(client=c.pk), world.owner) for case in expected}
        for c in (clients[0], clients[0], clients[1])
    ]
    problems = _mismatches(expected, counts[1], counts[2])
    assert not problems, "\n".join(problems)


def _milestone_with_history(world, name: str, rounds: int) -> Milestone:
    """Milestone 1 of an accepted project after ``rounds`` review rounds (a delivery with a
    file, a failed verdict, one more passed and carried over from then on, an extra revision,
    a change request, comments with files), then approved with its open items and ``rounds``
    more support requests."""
    project = _project(world, name)
    approver = _approver(world)
    first = _first(project)
    plans.milestone_update(
        milestone=first,
        actor=world.owner,
        deliverables=[
            {"title": f"Part {i}", "acceptance_criteria": "It works."} for i in range(rounds + 1)
        ],
    )
    plans.plan_propose(project=project, actor=world.owner)
    plans.plan_accept(project=project, actor=approver)
    reviews.milestone_start(milestone=_fresh(first), actor=world.owner)
    for n in range(rounds):
        _deliver(world, first, n)
        reviews.deliverable_verdict(
            deliverable=_fresh(first).deliverables.first(),
            actor=approver,
            status="failed",
            note="Not yet",
        )
        # One more part passes each round: the passes carried over to later deliveries grow.
        reviews.deliverable_verdict(
            deliverable=_fresh(first).deliverables.order_by("position")[n + 1],
            actor=approver,
            status="passed",
        )
        reviews.milestone_grant_revision(milestone=_fresh(first), actor=world.owner, reason="More")
        reviews.milestone_request_changes(milestone=_fresh(first), actor=approver, feedback="Again")
        for i in range(2):
            reviews.comment_add(
                milestone=_fresh(first),
                actor=approver if i else world.owner,
                body=f"Comment {n}.{i}",
                files=[SimpleUploadedFile(f"c{n}{i}.txt", b"a note")],
            )
    _deliver(world, first, rounds)
    reviews.milestone_approve(milestone=_fresh(first), actor=approver, accept_open_items=True)
    for n in range(rounds):
        reviews.milestone_grant_revision(milestone=_fresh(first), actor=world.owner, reason="Fix")
        reviews.support_request_file(
            milestone=_fresh(first), actor=approver, description=f"Typo {n}"
        )
    return first


MILESTONE_PAGES = [
    # From v2 on, one query reads each deliverable's earlier verdict; one more lists the
    # milestone's invoices.
    ("web", "/milestones/{m}/", "owner", 18),  # +1: the change orders asked for
    ("web", "/milestones/{m}/", "contact", 18),
    ("api", "/api/v1/milestones/{m}/", "owner", 3),
    ("api", "/api/v1/milestones/{m}/comments/", "contact", 7),
    ("api", "/api/v1/milestones/{m}/deliveries/", "owner", 8),
    ("api", "/api/v1/milestones/{m}/checklist/", "contact", 9),
    ("api", "/api/v1/milestones/{m}/support-requests/", "owner", 5),
    (
        "api",
        "/api/v1/milestones/{m}/comments/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "contact",
        7,
    ),
    (
        "api",
        "/api/v1/milestones/{m}/deliveries/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "owner",
        8,
    ),
    (
        "api",
        "/api/v1/milestones/{m}/support-requests/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "owner",
        5,
    ),
    (
        "api",
        "/api/v1/milestones/{m}/change-requests/?updated_since=2020-01-01T00:00:00Z&ordering=-updated_at",
        "owner",
        4,
    ),
]


def test_milestone_pages_run_the_same_queries_for_a_longer_history(world):
    small = _milestone_with_history(world, "Small", 1)
    large = _milestone_with_history(world, "Large", 4)
    _assert_same_queries(world, MILESTONE_PAGES, small, large, "m")


def _on_hold_with_reviews(world, name: str, reviewing: int):
    """An accepted plan without gating whose first ``reviewing`` milestones wait for the client,
    put on hold: its resume page lists every deadline the resume moves."""
    from milepost.plans.models import Project

    project = _project(world, name)
    plans.project_update(project=project, actor=world.owner, sequential_gating=False)
    plans.plan_propose(project=Project.objects.get(pk=project.pk), actor=world.owner)
    plans.plan_accept(project=Project.objects.get(pk=project.pk), actor=_approver(world))
    for milestone in Milestone.objects.filter(project=project).order_by("position")[:reviewing]:
        reviews.milestone_start(milestone=_fresh(milestone), actor=world.owner)
        _deliver(world, milestone, 1)
    plans.project_hold(project=Project.objects.get(pk=project.pk), actor=world.owner)
    return project


def test_the_resume_page_runs_the_same_queries_for_more_deadlines_to_move(world):
    small, large = _on_hold_with_reviews(world, "Small", 1), _on_hold_with_reviews(world, "Big", 4)
    path = "/projects/{project}/resume/"
    counts = [_count("web", path.format(project=p.pk), world.owner) for p in (small, small, large)]
    assert counts[1:] == [9, 9]


def _invoice_with_payments(world, name: str, payments: int):
    """Milestone 1 of an accepted project approved, its invoice paid in ``payments`` transfers,
    every other one reversed; milestone 2 in review (its page asks before approving)."""
    project = _accepted(world, name)
    first = _first(project)
    reviews.milestone_start(milestone=first, actor=world.owner)
    _deliver(world, first, 1)
    reviews.milestone_approve(
        milestone=_fresh(first), actor=_approver(world), accept_open_items=True
    )
    invoice = first.invoices.get(kind="invoice")
    for n in range(payments):
        payment = billing.payment_record(
            invoice=invoice, amount="1.00", date="2026-01-05", method="cash", actor=world.owner
        )
        if n % 2:
            billing.payment_reverse(payment=payment, reason=f"Twice {n}", actor=world.owner)
    second = _fresh(Milestone.objects.get(project=project, position=2))
    reviews.milestone_start(milestone=second, actor=world.owner)
    _deliver(world, second, 1)
    return invoice, second


CONFIRMING_PAGES = [
    ("web", "/invoices/{invoice}/", "owner", 9),
    ("web", "/invoices/{invoice}/", "contact", 8),
    ("web", "/milestones/{m}/", "contact", 20),
    ("api", "/api/v1/invoices/{invoice}/", "owner", 4),
]


def test_pages_that_ask_first_run_the_same_queries_with_more_payments(world):
    """The invoice page offers a reversal (with its consequence) per payment; the milestone in
    review states what approving and requesting changes will do."""
    small = _invoice_with_payments(world, "Small", 2)
    large = _invoice_with_payments(world, "Large", 7)
    expected = {(kind, path, who): exact for kind, path, who, exact in CONFIRMING_PAGES}
    counts = {}
    for invoice, milestone in (small, small, large):  # the first visit creates the calendar feed
        counts[invoice.pk] = {
            case: _count(
                case[0], case[1].format(invoice=invoice.pk, m=milestone.pk), _user(world, case[2])
            )
            for case in expected
        }
    problems = _mismatches(expected, counts[small[0].pk], counts[large[0].pk])
    assert not problems, "\n".join(problems)


def _with_change_orders(world, name: str, size: int):
    """An accepted plan with ``size`` accepted change orders (each a plan version), ``size``
    declined ones, ``size`` drafts and one proposed: the project page lists them all and adds
    the accepted ones up."""
    from milepost.plans.models import ChangeOrder, Project
    from milepost.reviews.services.change_orders import change_order_accept

    project = _accepted(world, name)

    def more(extra: int):
        last = Milestone.objects.get(project=project, position=5)
        changes = [
            {"op": "update", "milestone": last.pk, "fields": {"budget": str(last.budget + extra)}}
        ]
        return plans.change_order_create(
            project=Project.objects.get(pk=project.pk),
            actor=world.owner,
            title=f"More {extra}",
            changes_=changes,
        )

    for i in range(size):
        co = plans.change_order_propose(change_order=more(10 + i), actor=world.owner)
        change_order_accept(change_order=co, actor=_approver(world))
        co = plans.change_order_propose(change_order=more(5), actor=world.owner)
        plans.change_order_decline(change_order=co, actor=_approver(world), reason="No")
    for i in range(size):
        more(20 + i)
    plans.change_order_propose(change_order=more(1), actor=world.owner)
    assert ChangeOrder.objects.filter(project=project).count() == 3 * size + 1
    return project


def _revised_many_times(world, name: str, rounds: int):
    """A change order of ``rounds`` changes, proposed and declined ``rounds`` times, proposed
    again: its page lists every proposal and its answer."""
    from milepost.plans.models import ChangeOrder, Project

    project = _accepted(world, name)
    milestones = list(Milestone.objects.filter(project=project).order_by("position"))
    changes = [
        {
            "op": "update",
            "milestone": m.pk,
            "fields": {"budget": str(m.budget + 1)},
            "deliverables": [{"title": f"Extra {m.position}"}],
        }
        for m in milestones[-rounds:]
    ]
    co = plans.change_order_create(
        project=Project.objects.get(pk=project.pk),
        actor=world.owner,
        title="Extras",
        changes_=changes,
    )
    for _n in range(rounds):
        plans.change_order_propose(
            change_order=ChangeOrder.objects.get(pk=co.pk), actor=world.owner
        )
        plans.change_order_decline(
            change_order=ChangeOrder.objects.get(pk=co.pk), actor=_approver(world), reason="No"
        )
        plans.change_order_revise(change_order=ChangeOrder.objects.get(pk=co.pk), actor=world.owner)
    draft = plans.change_order_create(
        project=Project.objects.get(pk=project.pk),
        actor=world.owner,
        title="Draft",
        changes_=changes,
    )
    plans.change_order_propose(change_order=ChangeOrder.objects.get(pk=co.pk), actor=world.owner)
    return co, draft


CHANGE_ORDER_PAGES = [
    # The newest change orders with who proposed and decided, how many and what the accepted
    # ones add up to, plan v1's total, and the plan now (the drafts' prices, all from one
    # reading of it). +3: the slippage line's timeline (plan v1's dates, the events that moved
    # the milestones, the milestones each change order touches; the milestones are the page's).
    ("web", "/projects/{project}/", "owner", 19),
    ("web", "/projects/{project}/", "contact", 16),
    # The same, a page of them, and every accepted one for the contract value.
    ("web", "/projects/{project}/change-orders/", "owner", 14),
    ("web", "/projects/{project}/change-orders/", "contact", 13),
    ("web", "/", "contact", 11),  # the change orders waiting for the approver, and asked for
]


def test_the_project_page_runs_the_same_queries_with_more_change_orders(world):
    small = _with_change_orders(world, "Small", 2)
    large = _with_change_orders(world, "Large", 5)
    _assert_same_queries(world, CHANGE_ORDER_PAGES, small, large, "project")


A_CHANGE_ORDER = [
    ("web", "/change-orders/{co}/", "owner", 7),  # its proposals with who proposed and answered
    ("web", "/change-orders/{co}/", "contact", 8),  # and whether it was ever proposed to them
    # A draft reads the plan now (two queries) and whether another one waits for the client.
    ("web", "/change-orders/{draft}/", "owner", 10),
    # The editor: and the last proposal, with its answer, when the draft is a revision.
    ("web", "/change-orders/{draft}/edit/", "owner", 9),
]


def test_a_change_order_s_page_runs_the_same_queries_for_more_proposals_and_changes(world):
    small = _revised_many_times(world, "Small", 2)
    large = _revised_many_times(world, "Large", 4)
    expected = {(kind, path, who): exact for kind, path, who, exact in A_CHANGE_ORDER}
    counts = {}
    for co, draft in (small, small, large):
        counts[co.pk] = {
            case: _count(case[0], case[1].format(co=co.pk, draft=draft.pk), _user(world, case[2]))
            for case in expected
        }
    problems = _mismatches(expected, counts[small[0].pk], counts[large[0].pk])
    assert not problems, "\n".join(problems)


def _timeline_with_history(world, name: str, rounds: int):
    """An accepted plan whose milestone 1 went through ``rounds`` requests for changes before
    its approval, its invoice paid in ``rounds`` transfers (every other one reversed) and
    ``rounds`` change orders' prices invoiced on it; milestone 2 in review; ``rounds`` change
    orders proposed and declined."""
    from milepost.plans.models import ChangeOrder, Project

    project = _accepted(world, name)
    first = _first(project)
    reviews.milestone_start(milestone=first, actor=world.owner)
    for n in range(rounds):
        _deliver(world, first, n)
        reviews.milestone_grant_revision(milestone=_fresh(first), actor=world.owner, reason="More")
        reviews.milestone_request_changes(
            milestone=_fresh(first), actor=_approver(world), feedback="Again"
        )
    _deliver(world, first, rounds)
    reviews.milestone_approve(
        milestone=_fresh(first), actor=_approver(world), accept_open_items=True
    )
    invoice = first.invoices.get(kind="invoice")
    for n in range(rounds):
        payment = billing.payment_record(
            invoice=invoice, amount="1.00", date="2026-01-05", method="cash", actor=world.owner
        )
        if n % 2:
            billing.payment_reverse(payment=payment, reason=f"Twice {n}", actor=world.owner)
        billing.change_order_invoice_issue(
            milestone=_fresh(first),
            amount=Decimal("10.00"),
            reference=f"CO-{90 + n}",
            title=f"Extra {n}",
            actor=world.owner,
        )
    second = _fresh(Milestone.objects.get(project=project, position=2))
    reviews.milestone_start(milestone=second, actor=world.owner)
    _deliver(world, second, 1)
    last = Milestone.objects.get(project=project, position=5)
    for n in range(rounds):
        co = plans.change_order_create(
            project=Project.objects.get(pk=project.pk),
            actor=world.owner,
            title=f"Later launch {n}",
            changes_=[{"op": "update", "milestone": last.pk, "fields": {"title": f"Launch {n}"}}],
        )
        plans.change_order_propose(
            change_order=ChangeOrder.objects.get(pk=co.pk), actor=world.owner
        )
        plans.change_order_decline(
            change_order=ChangeOrder.objects.get(pk=co.pk), actor=_approver(world), reason="No"
        )
    return project


TIMELINE_PAGES = [
    # The project; the timeline's four (milestones, plan v1, the events that moved them, the
    # milestones each change order touches); the invoices and their payments; the bell.
    ("web", "/projects/{project}/timeline/", "owner", 11),
    ("web", "/projects/{project}/timeline/", "contact", 12),  # +1: the contact's projects
    ("api", "/api/v1/projects/{project}/timeline/", "owner", 6),
    ("api", "/api/v1/projects/{project}/timeline/", "contact", 7),
    ("api", "/api/v1/projects/{project}/payment-schedule/", "owner", 8),
    ("api", "/api/v1/projects/{project}/payment-schedule/", "contact", 9),
    ("web", "/projects/{project}/", "owner", 17),  # with its slippage line
]


def test_the_timeline_runs_the_same_queries_for_a_longer_history(world):
    small = _timeline_with_history(world, "Small", 1)
    large = _timeline_with_history(world, "Large", 4)
    _assert_same_queries(world, TIMELINE_PAGES, small, large, "project")
