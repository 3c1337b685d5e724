"""Projects: the list, creating one, the project page for both sides, and the proposal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from milepost.accounts import selectors as account_selectors
from milepost.accounts.permissions import can_create_project
from milepost.billing import selectors as billing_selectors
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.pagination import feed_page
from milepost.core.urls import cached_reverse
from milepost.forecast.selectors import slippage_line
from milepost.plans import permissions, selectors, services
from milepost.plans.lifecycle.milestone import DONE
from milepost.plans.lifecycle.project import (
    ENDED,
    SOURCES,
    ProjectAction,
    cancel_refusal,
    delete_refusal,
    refusal,
)
from milepost.plans.models import AccessRole
from milepost.plans.permissions import require
from milepost.reviews import consequences, policy

from ..confirm import asks, confirm_page
from ..forms import apply_errors
from ..listing import listing
from ..plan_forms import (
    AccessForm,
    DeclineForm,
    ProjectCreateForm,
    ProjectFilterForm,
    TemplateSaveForm,
)
from .base import agency_required
from .change_orders import project_change_orders


@login_required
def project_list(request):
    organisation = request.organisation
    clients = (
        account_selectors.client_choices(request.user, organisation=organisation)
        if organisation
        else []
    )
    filters = ProjectFilterForm(request.GET or None, clients=clients)
    status = client = None
    if filters.is_valid():
        status = filters.cleaned_data["status"] or None
        client = filters.cleaned_data["client"]
    shown = listing(request, selectors.PROJECT_ORDERINGS, "-created")
    projects = selectors.projects_visible_to(
        request.user,
        status=status,
        client_id=client,
        organisation_id=organisation.pk if organisation else None,
        search=shown.search,
        ordering=shown.sort,
    )
    projects = selectors.with_approved_budget(selectors.with_next_milestone(projects))
    page = Paginator(projects, 20).get_page(request.GET.get("page"))
    page.object_list = selectors.as_seen_by(request.user, list(page.object_list))
    return render(
        request,
        "web/projects.html",
        {
            "page": page,
            "filters": filters,
            **shown.context,
            "can_create": organisation is not None
            and can_create_project(request.user, organisation),
        },
    )


@agency_required
def project_create(request):
    organisation = request.organisation
    if not can_create_project(request.user, organisation):
        return render(request, "web/403.html", status=403)
    clients = account_selectors.clients_visible_to(request.user, organisation=organisation)
    templates = selectors.templates_for(request.user, organisation.pk)
    form = ProjectCreateForm(
        request.POST or None,
        clients=clients,
        templates=templates,
        initial={"currency": organisation.default_currency, "template": "website-cms"},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        client_id = data.pop("client")  # taken out once, before the search over the clients
        client = next((c for c in clients if c.pk == client_id), None)
        try:
            project = services.project_create(
                organisation=organisation,
                client=client,
                actor=request.user,
                template=data.pop("template") or None,
                **data,
            )
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Project created. Check the plan, then propose it."))
            return redirect("web:plan_editor", project.pk)
    return render(
        request,
        "web/project_new.html",
        {"form": form, "has_clients": bool(clients)},
        status=400 if form.errors else 200,
    )


def _glance(project) -> dict:
    """What the client wants at a glance: what comes next, what it costs, what is paid."""
    milestones = list(project.milestones.all())
    done = [m for m in milestones if m.status in DONE]
    upcoming = [m for m in milestones if m not in done]
    invoices = list(billing_selectors.invoices_visible_to_project(project))
    invoiced = {i.milestone_id for i in invoices if i.kind == "invoice"}
    # An ended project invoices nothing more: a cancelled one has no next payment.
    billable = [] if project.status in ENDED else milestones
    next_payment = next((m for m in billable if m.pk not in invoiced), None)
    return {
        "milestones": milestones,
        "rows": [(m, policy.waiting_for(m), policy.is_overdue(m)) for m in milestones],
        "next_milestone": upcoming[0] if upcoming else None,
        "next_payment": next_payment,
        "approved_budget": sum((m.budget for m in done), start=0),
        "allocated_budget": sum((m.budget for m in milestones), start=0),
        # A contact's copy of a plan being revised may not know its currency: nothing is paid.
        "money": billing_selectors.project_money(project, invoices)
        if project.currency
        else {"paid": 0, "received": 0},
        "invoices": invoices,
    }


#: The project's own steps, as the page offers them: (action, URL name, label, danger).
STATUS_STEPS = (
    (ProjectAction.HOLD, "web:project_hold", gettext_lazy("Put on hold"), False),
    (ProjectAction.RESUME, "web:project_resume", gettext_lazy("Resume"), False),
    (ProjectAction.CANCEL, "web:project_cancel", gettext_lazy("Cancel the project"), True),
    (ProjectAction.DELETE, "web:project_delete", gettext_lazy("Delete the draft"), True),
)


def status_steps(user, project) -> list[tuple[str, str, bool]]:
    """Hold, resume, cancel, delete: those the user's role and the project's state allow (a
    draft the client never saw is deleted, not cancelled: ``lifecycle.project``)."""
    if not permissions.can_manage_project(user, project):
        return []
    proposed = project.first_proposed_at is not None

    def refused(action: ProjectAction):
        if action is ProjectAction.DELETE:
            return delete_refusal(project.status, proposed)
        if action is ProjectAction.CANCEL:
            return cancel_refusal(project.status, proposed)
        return refusal(project.status, action)

    return [
        (url, label, danger)
        for action, url, label, danger in STATUS_STEPS
        if refused(action) is None
    ]


def project_context(request, project, **extra) -> dict:
    user = request.user
    events = feed_page(selectors.project_events(project, user), request.GET.get("page"), 20)
    is_agency = permissions.is_agency_side(user, project)
    context = {
        "project": project,
        "events": events,
        "is_agency": is_agency,
        # A client contact's own role here (None for the agency): what they may do.
        "my_access": None if is_agency else permissions.project_roles_of(user).get(project.pk),
        "shows_proposal": permissions.sees_last_proposal(user, project),
        "can_edit": permissions.can_edit_plan(user, project),
        "can_answer": project.status in SOURCES[ProjectAction.ACCEPT]
        and permissions.can_answer_plan(user, project),
        "decline_form": DeclineForm(),
        "access_form": AccessForm(),
        "template_form": TemplateSaveForm(initial={"name": project.name}),
        "status_steps": status_steps(user, project),
        **_glance(project),
        **project_change_orders(user, project),
    }
    # Forecast end, slippage and who held it up, from the milestones read for the plan.
    context["slippage"] = (
        None if context["shows_proposal"] else slippage_line(project, context["milestones"])
    )
    if context["can_edit"]:
        context["access_list"] = selectors.project_access_list(project)
        context["access_roles"] = AccessRole.choices
        if project.status in SOURCES[ProjectAction.PROPOSE]:
            context["problems"] = services.plan_problems(project)
            if not context["problems"]:
                context["proposal_said"] = consequences.proposal(project)
    if context["can_answer"]:
        context["acceptance_said"] = consequences.acceptance(project)
    context.update(extra)
    return context


@login_required
def project_detail(request, pk: int):
    project = selectors.project_get(request.user, pk)
    return render(request, "web/project_detail.html", project_context(request, project))


@login_required
def project_proposal_pdf(request, pk: int):
    from milepost.plans.pdf import proposal_pdf

    project = selectors.project_get(request.user, pk)
    response = HttpResponse(proposal_pdf(project), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{project.pk}.pdf"'
    return response


@login_required
def project_print(request, pk: int):
    project = selectors.project_get(request.user, pk)
    context = {
        "project": project,
        "shows_proposal": permissions.sees_last_proposal(request.user, project),
        **_glance(project),
    }
    return render(request, "web/project_print.html", context)


def _step(request, pk: int, service, success: str, *, confirm=None, **kwargs):
    """Take one step of the plan's lifecycle. ``confirm`` (action, title, button): a form still
    asking (no dialog confirmed it) gets the page that states the consequence first."""
    project = selectors.project_get(request.user, pk)
    try:
        if confirm is not None and asks(request):
            action, title, label = confirm
            said = consequences.project_preview(request.user, project, action)
            back = cached_reverse("web:project_detail", project.pk)
            return confirm_page(request, said, title=title, label=label, back=back)
        service(project=project, actor=request.user, **kwargs)
    except RuleViolation as error:
        messages.error(request, error.message)
        for problem in error.details.get("problems", []):
            messages.error(request, problem["message"])
    else:
        messages.success(request, success)
    return redirect("web:project_detail", pk)


@require_POST
@login_required
def project_propose(request, pk: int):
    return _step(
        request,
        pk,
        services.plan_propose,
        _("Plan proposed. The client's approvers can now accept it."),
        confirm=(ProjectAction.PROPOSE, _("Propose this plan?"), _("Propose to the client")),
    )


@require_POST
@login_required
def project_withdraw(request, pk: int):
    return _step(
        request, pk, services.plan_withdraw, _("Proposal withdrawn. The plan is a draft again.")
    )


@require_POST
@login_required
def project_accept(request, pk: int):
    return _step(
        request,
        pk,
        services.plan_accept,
        _("Plan accepted. It is now the baseline (v1) of the project."),
        confirm=(ProjectAction.ACCEPT, _("Accept this plan?"), _("Accept the plan")),
    )


def _project_form(request, pk: int, form_class, form_name: str, call, success, *, action, **extra):
    """Post one form of the project page: a role that may not → 403 before the form is read;
    success → back to the page with a message; a refusal → the page again with the form as
    typed and the reason beside it."""
    project = selectors.project_get(request.user, pk)
    require(request.user, action, project)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            result = call(project, form.cleaned_data)
        except InvalidInput as error:
            apply_errors(form, error)
        except RuleViolation as error:
            messages.error(request, error.message)
            return redirect("web:project_detail", pk)
        else:
            messages.success(request, success(result))
            return redirect("web:project_detail", pk)
    project = selectors.project_get(request.user, pk)
    context = project_context(request, project, **{form_name: form}, **extra)
    return render(request, "web/project_detail.html", context, status=400)


@require_POST
@login_required
def project_decline(request, pk: int):
    return _project_form(
        request,
        pk,
        DeclineForm,
        "decline_form",
        lambda project, data: services.plan_decline(project=project, actor=request.user, **data),
        lambda _result: _("You declined the plan. The agency has your reasons."),
        action=ProjectAction.DECLINE,
        show_decline=True,
    )


@require_POST
@login_required
def project_access(request, pk: int):
    return _project_form(
        request,
        pk,
        AccessForm,
        "access_form",
        lambda project, data: services.project_access_grant(
            project=project, actor=request.user, **data
        ),
        lambda access: (
            _("%(email)s can now see the project as %(role)s.")
            % {"email": access.user.email, "role": access.get_role_display().lower()}
        ),
        action=ProjectAction.GRANT_ACCESS,
    )


@require_POST
@login_required
def project_save_template(request, pk: int):
    return _project_form(
        request,
        pk,
        TemplateSaveForm,
        "template_form",
        lambda project, data: services.template_save_from_project(
            project=project, actor=request.user, **data
        ),
        lambda template: _("Saved as the template “%(name)s”.") % {"name": template.name},
        action=ProjectAction.SAVE_TEMPLATE,
    )
