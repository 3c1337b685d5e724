"""Dashboards: the agency's overview, and what a client contact needs to act on."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from milepost.accounts import selectors
from milepost.accounts.permissions import can_manage_invoicing
from milepost.billing import selectors as billing_selectors
from milepost.billing.selectors import organisation_einvoice_problems
from milepost.forecast import selectors as forecast_selectors
from milepost.plans import selectors as plan_selectors
from milepost.plans.lifecycle.project import SOURCES, ProjectAction, ProjectStatus
from milepost.plans.permissions import can_answer_plan
from milepost.reviews import selectors as review_selectors

#: Projects on a client's dashboard; the projects list has the rest.
CLIENT_PROJECTS = 50


@login_required
def dashboard(request):
    organisation = request.organisation
    if organisation is None:
        return _client_dashboard(request)
    projects = plan_selectors.with_next_milestone(
        plan_selectors.projects_visible_to(request.user, organisation_id=organisation.pk)
    )
    by_status = plan_selectors.project_counts_by_status(organisation.pk)
    counts = selectors.organisation_counts(request.user, organisation=organisation)
    context = {
        "recent_projects": projects.filter(
            status__in=[ProjectStatus.DRAFT, ProjectStatus.PROPOSED, ProjectStatus.ACTIVE]
        ).only("name", "status", "first_proposed_at", "client__name")[:8],
        "by_status": [
            (label, by_status.get(value, 0))
            for value, label in ProjectStatus.choices
            if by_status.get(value)
        ],
        "client_count": counts["clients"],
        "member_count": counts["members"],
        "einvoice_problems": organisation_einvoice_problems(organisation)
        if can_manage_invoicing(request.user, organisation)
        else [],
        **review_selectors.agency_queues(organisation.pk),
        # Every member of the agency sees its invoices (accounts.permissions.can_view_invoices_of).
        "money": billing_selectors.money_at_a_glance(organisation.pk),
        "expected": billing_selectors.open_invoices_by_due_date(organisation.pk),
        "proposed": plan_selectors.proposed_plans(organisation.pk),
        "startable": review_selectors.startable_milestones(organisation.pk),
        "attention": review_selectors.projects_needing_attention(organisation.pk),
        "change_requests": plan_selectors.open_change_order_requests(organisation.pk),
        "change_orders": plan_selectors.change_orders_in_question(organisation.pk),
        "slipped": forecast_selectors.most_slipped(organisation.pk),
    }
    return render(request, "web/dashboard.html", context)


def _client_dashboard(request):
    projects = plan_selectors.as_seen_by(
        request.user,
        list(
            plan_selectors.with_next_milestone(
                plan_selectors.projects_visible_to(request.user), budget=True
            ).select_related("organisation")[: CLIENT_PROJECTS + 1]
        ),
    )
    more = len(projects) > CLIENT_PROJECTS
    projects = projects[:CLIENT_PROJECTS]
    waiting = [
        p
        for p in projects
        if p.status in SOURCES[ProjectAction.ACCEPT] and can_answer_plan(request.user, p)
    ]
    owed = billing_selectors.invoices_owed_by(request.user)
    return render(
        request,
        "web/dashboard_client.html",
        {
            "waiting": waiting,
            "change_orders": plan_selectors.change_orders_to_answer(request.user),
            "asked": plan_selectors.change_order_requests_asked_by(request.user),
            "reviews": review_selectors.client_queue(request.user),
            "owed": owed,
            "owed_totals": billing_selectors.owed_totals(owed),
            "projects": projects,
            "more_projects": more,
            "contacts": list(selectors.client_contacts_of(request.user)),
        },
    )
