"""Change orders in the web: the project page's list and contract value, drafting one, its page
(what changes, what it costs, every proposal and answer) and its steps. Each step is one service;
the binding ones (propose, withdraw, accept, decline) ask first with what they will do
(``reviews.change_order_consequences``), in a dialog or, without JavaScript, on a page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from milepost.billing import selectors as billing_selectors
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.plans import changes, permissions, selectors, services
from milepost.plans.lifecycle import change_order as lifecycle
from milepost.plans.lifecycle.change_order import ChangeOrderAction, ChangeOrderStatus
from milepost.plans.lifecycle.project import ProjectAction, ProjectStatus
from milepost.plans.lifecycle.project import refusal as project_refusal
from milepost.plans.permissions import require
from milepost.plans.services.change_orders import current_plan
from milepost.reviews import change_order_consequences as said
from milepost.reviews.services.change_orders import change_order_accept as accept_service

from ..confirm import asks, confirm_page
from ..forms import apply_errors, apply_refusal
from ..plan_forms import DeclineForm

A = ChangeOrderAction


class NewForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("What changes, in a few words"),
        widget=forms.TextInput(attrs={"maxlength": 200, "autofocus": True}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why (the client reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CODeclineForm(DeclineForm):
    reason = forms.CharField(
        label=gettext_lazy("Why do you decline? What should change?"),
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


# --- The project page's section -------------------------------------------------------------------


def _may_draft(user, project) -> bool:
    """Whether the user may draft a change order on the project as it stands now."""
    return (
        permissions.allowed(user, ProjectAction.CHANGE_PLAN, project)
        and project_refusal(project.status, ProjectAction.CHANGE_PLAN) is None
    )


#: How many change orders the project page lists; the rest are on the project's change-order page.
ON_PROJECT_PAGE = 5


def _with_shown_prices(user, project, rows: list) -> list:
    """Give each row the price to show: a draft's, for the agency, as it stands now (with its
    problem count), read against the current plan once for the whole list."""
    agency = permissions.is_agency_side(user, project)
    drafts = agency and any(row.status == ChangeOrderStatus.DRAFT for row in rows)
    before = current_plan(project) if drafts else None
    for row in rows:
        row.project = project
        row.shown_price = row.price
        if agency and row.status == ChangeOrderStatus.DRAFT:
            _plan, outcome = services.change_order_outcome(row, before)
            row.shown_price = outcome.plan.total - before.total
            row.problem_count = len(outcome.problems)
    return rows


def _contract(user, project) -> dict[str, Any]:
    summary = selectors.change_order_summary(user, project)
    original = selectors.original_total(project)
    return {
        "change_order_count": summary["count"],
        "accepted_count": summary["accepted"],
        "accepted_price": summary["accepted_price"] or Decimal(0),
        "original_total": Decimal(original) if original is not None else None,
    }


def project_change_orders(user, project) -> dict[str, Any]:
    """The project page's change orders: the open ones and the newest, at most
    ``ON_PROJECT_PAGE``, each with its price (a draft's as it stands), the contract value in
    short, and whether the user may draft one."""
    context: dict[str, Any] = {
        "change_orders": [],
        "change_order_count": 0,
        "can_draft_change_order": _may_draft(user, project),
        "shows_change_orders": project.plan_version >= 1
        or project.status == ProjectStatus.PROPOSED,
    }
    if project.plan_version < 1:
        return context
    rows = list(selectors.change_orders_open_first(user, project)[:ON_PROJECT_PAGE])
    context.update(change_orders=_with_shown_prices(user, project, rows))
    if rows:
        context.update(_contract(user, project))
    return context


@login_required
def change_order_list(request, pk: int):
    """Every change order of a project the user may see, 25 a page, with the contract value
    change order by change order."""
    project = selectors.project_get(request.user, pk)
    page = Paginator(selectors.change_orders_open_first(request.user, project), 25).get_page(
        request.GET.get("page")
    )
    page.object_list = _with_shown_prices(request.user, project, list(page.object_list))
    accepted = selectors.change_orders_accepted(request.user, project)
    context = {
        "project": project,
        "page": page,
        "is_agency": permissions.is_agency_side(request.user, project),
        "can_draft_change_order": _may_draft(request.user, project),
        "accepted_change_orders": accepted,
        **_contract(request.user, project),
    }
    return render(request, "web/change_order_list.html", context)


# --- Drafting -------------------------------------------------------------------------------------


@login_required
def change_order_new(request, pk: int):
    """GET: name the change; POST: draft it and open the editor."""
    project = selectors.project_get(request.user, pk)
    require(request.user, ProjectAction.CHANGE_PLAN, project)
    refused = project_refusal(project.status, ProjectAction.CHANGE_PLAN)
    if refused is not None and request.method != "POST":
        messages.error(request, refused.message)
        return redirect("web:project_detail", pk)
    form = NewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            co = services.change_order_create(
                project=project, actor=request.user, changes_=[], **form.cleaned_data
            )
        except (InvalidInput, RuleViolation) as error:
            apply_refusal(form, error)
        else:
            messages.success(
                request,
                _("%(co)s drafted on plan v%(n)s. Say what changes, then propose it.")
                % {"co": co.label, "n": co.base_version},
            )
            return redirect("web:change_order_edit", co.pk)
    return render(
        request,
        "web/change_order_new.html",
        {"project": project, "form": form},
        status=400 if form.errors else 200,
    )


# --- The change order's page ----------------------------------------------------------------------


def _can(user, co, action: ChangeOrderAction) -> bool:
    return (
        permissions.allowed(user, action, co.project)
        and lifecycle.refusal(co.status, action) is None
    )


def _shown(user, co) -> dict[str, Any]:
    """What the page shows of a change order: the lines and money of the draft as it stands
    (the agency), or as last proposed (everyone else, and every answered one)."""
    project = co.project
    proposals = list(co.proposals.select_related("proposed_by", "answered_by").order_by("number"))
    for proposal in proposals:
        proposal.money = said.Money.of_snapshot(proposal.snapshot, project.currency)
    last = proposals[-1] if proposals else None
    agency = permissions.is_agency_side(user, project)
    context: dict[str, Any] = {
        "co": co,
        "project": project,
        "proposals": proposals,
        "is_agency": agency,
        "problems": [],
        "as_proposed": co.status != ChangeOrderStatus.DRAFT or not agency,
    }
    if context["as_proposed"]:
        snapshot = last.snapshot if last is not None else {}
        context["lines"] = list(snapshot.get("lines", []))
        context["money"] = last.money if last is not None else None
        context["reason_shown"] = snapshot.get("reason", co.reason) if last else co.reason
    else:
        before, outcome = services.change_order_outcome(co)
        difference = changes.diff(before, outcome.plan)
        context["lines"] = changes.lines(difference)
        context["money"] = said.Money.of_outcome(before, outcome.plan)
        context["problems"] = list(outcome.problems)
        context["reason_shown"] = co.reason
    money = context["money"]
    context["money_lines"] = said.money_lines(money, status=co.status) if money else []
    context["documents"] = (
        billing_selectors.change_order_documents(user, co)
        if co.status == ChangeOrderStatus.ACCEPTED
        else []
    )
    return context


def _steps(user, co, context: dict[str, Any]) -> dict[str, Any]:
    """Which steps the user's role and the change order's state allow, with what each says."""
    project = co.project
    draft = co.status == ChangeOrderStatus.DRAFT
    problems = context["problems"]
    steps: dict[str, Any] = {
        "can_edit": _can(user, co, A.EDIT),
        "can_rebase": _can(user, co, A.REBASE) and co.base_version != project.plan_version,
        "can_delete": permissions.allowed(user, A.DELETE, project)
        and lifecycle.delete_refusal(co.status, bool(context["proposals"])) is None,
        "can_withdraw": _can(user, co, A.WITHDRAW),
        "can_revise": _can(user, co, A.REVISE)
        and project_refusal(project.status, ProjectAction.CHANGE_PLAN) is None,
        "can_answer": _can(user, co, A.ACCEPT)
        and project_refusal(project.status, ProjectAction.CHANGE_PLAN) is None,
        "may_propose": draft and permissions.allowed(user, A.PROPOSE, project),
    }
    money = context["money"]
    if steps["may_propose"]:
        pending = services.pending_refusal(project, exclude=co.pk)
        steps["pending"] = None if pending is None else pending.message
        steps["can_propose"] = not problems and pending is None and bool(context["lines"])
        if steps["can_propose"]:
            steps["propose_said"] = said.proposing(co, money)
    if steps["can_answer"] and money is not None:
        steps["accept_said"] = said.accepting(co, money)
        steps["decline_said"] = said.declining(co)
    if steps["can_withdraw"]:
        steps["withdraw_said"] = said.withdrawing(co)
    if steps["can_delete"]:
        steps["delete_said"] = said.deleting(co)
    return steps


def _page(request, co, *, status: int = 200, **extra):
    context = _shown(request.user, co)
    context.update(_steps(request.user, co, context))
    context.setdefault("decline_form", CODeclineForm())
    context.update(extra)
    return render(request, "web/change_order.html", context, status=status)


@login_required
def change_order_detail(request, pk: int):
    co = selectors.change_order_get(request.user, pk)
    return _page(request, co)


@login_required
def change_order_print(request, pk: int):
    """The change order as a printable page, for the client's files."""
    from milepost.plans.pdf import change_order_context

    co = selectors.change_order_get(request.user, pk)
    return render(request, "web/change_order_print.html", change_order_context(co))


@login_required
def change_order_pdf(request, pk: int):
    """The same as a PDF, in the client's language."""
    from milepost.plans.pdf import change_order_pdf as pdf

    co = selectors.change_order_get(request.user, pk)
    response = HttpResponse(pdf(co), content_type="application/pdf")
    name = f"change-order-{co.label}-project-{co.project_id}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _step(request, pk: int, action: ChangeOrderAction, call, *, confirm=None, then=None):
    """Take one step: a role that may not → 403 (404 when not visible) before anything is read;
    a form still asking → the page that says what follows; a refusal → back with the reason.
    ``call(co)`` takes it and says what happened; ``then`` names the page it goes on to (the
    change order's own unless said)."""
    co = selectors.change_order_get(request.user, pk)
    require(request.user, action, co)
    back = reverse("web:change_order_detail", args=[co.pk])
    try:
        if confirm is not None and asks(request):
            title, label, consequence = confirm
            return confirm_page(request, consequence(co), title=title, label=label, back=back)
        success = call(co)
    except RuleViolation as error:
        messages.error(request, error.message)
        for problem in error.details.get("problems", []):
            messages.error(request, problem["message"])
        return redirect(back)
    messages.success(request, success)
    if action is A.DELETE:
        return redirect(reverse("web:project_detail", args=[co.project_id]) + "#change-orders")
    return redirect(then, co.pk) if then else redirect(back)


def _money_of(user, co):
    return _shown(user, co)["money"]


@require_POST
@login_required
def change_order_propose(request, pk: int):
    def propose(co):
        services.change_order_propose(change_order=co, actor=request.user)
        return _("%(co)s proposed. The client's approvers can now accept or decline it.") % {
            "co": co.label
        }

    return _step(
        request,
        pk,
        A.PROPOSE,
        propose,
        confirm=(
            _("Propose this change order?"),
            _("Propose to the client"),
            lambda co: said.proposing(co, _money_of(request.user, co)),
        ),
    )


@require_POST
@login_required
def change_order_withdraw(request, pk: int):
    def withdraw(co):
        services.change_order_withdraw(change_order=co, actor=request.user)
        return _("%(co)s withdrawn. Revise it to change it and propose it again.") % {
            "co": co.label
        }

    return _step(
        request,
        pk,
        A.WITHDRAW,
        withdraw,
        confirm=(_("Withdraw this change order?"), _("Withdraw"), said.withdrawing),
    )


@require_POST
@login_required
def change_order_revise(request, pk: int):
    def revise(co):
        services.change_order_revise(change_order=co, actor=request.user)
        return _("%(co)s is a draft again, on the current plan. Edit it, then propose it.") % {
            "co": co.label
        }

    return _step(request, pk, A.REVISE, revise, then="web:change_order_edit")


@require_POST
@login_required
def change_order_rebase(request, pk: int):
    def rebase(co):
        services.change_order_rebase(change_order=co, actor=request.user)
        return _(
            "%(co)s now starts from the current plan. Check its problems, then propose it."
        ) % {"co": co.label}

    return _step(request, pk, A.REBASE, rebase)


@require_POST
@login_required
def change_order_delete(request, pk: int):
    def delete(co):
        services.change_order_delete(change_order=co, actor=request.user)
        return _("%(co)s deleted.") % {"co": co.label}

    return _step(
        request,
        pk,
        A.DELETE,
        delete,
        confirm=(_("Delete this draft?"), _("Delete the draft"), said.deleting),
    )


@require_POST
@login_required
def change_order_accept(request, pk: int):
    def accept(co):
        accepted = accept_service(change_order=co, actor=request.user)
        return _("You accepted %(co)s. The plan is now v%(n)s.") % {
            "co": co.label,
            "n": accepted.version.version,
        }

    return _step(
        request,
        pk,
        A.ACCEPT,
        accept,
        confirm=(
            _("Accept this change order?"),
            _("Accept the change order"),
            lambda co: said.accepting(co, _money_of(request.user, co)),
        ),
    )


@require_POST
@login_required
def change_order_decline(request, pk: int):
    """Decline with a reason: a missing reason is shown beside its field, nothing declined."""
    co = selectors.change_order_get(request.user, pk)
    require(request.user, A.DECLINE, co)
    form = CODeclineForm(request.POST)
    if form.is_valid():
        if asks(request):
            return confirm_page(
                request,
                said.declining(co),
                title=_("Decline this change order?"),
                label=_("Decline the change order"),
                back=reverse("web:change_order_detail", args=[co.pk]),
                danger=True,
            )
        try:
            services.change_order_decline(
                change_order=co, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except InvalidInput as error:
            apply_errors(form, error)
        except RuleViolation as error:
            messages.error(request, error.message)
            return redirect("web:change_order_detail", co.pk)
        else:
            messages.success(
                request,
                _("You declined %(co)s. The agency has your reasons.") % {"co": co.label},
            )
            return redirect("web:change_order_detail", co.pk)
    co = selectors.change_order_get(request.user, pk)
    return _page(request, co, status=400, decline_form=form, show_decline=True)
