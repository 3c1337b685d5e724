"""Putting a project on hold, resuming, cancelling it and deleting a draft: each page asks first
and says what follows, then the POST calls the one service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from milepost.billing import selectors as billing_selectors
from milepost.billing.models import InvoiceKind
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.plans import selectors, services
from milepost.plans.lifecycle.project import ProjectAction, delete_refusal, refusal
from milepost.plans.permissions import require
from milepost.reviews import services as reviews

from ..forms import apply_errors
from ..plan_forms import CancelForm, HoldForm


@dataclass(frozen=True)
class Step:
    action: ProjectAction
    form: type[forms.Form] | None
    button: Any
    danger: bool = False


STEPS = {
    ProjectAction.HOLD: Step(ProjectAction.HOLD, HoldForm, gettext_lazy("Put on hold")),
    ProjectAction.RESUME: Step(ProjectAction.RESUME, None, gettext_lazy("Resume the project")),
    ProjectAction.CANCEL: Step(
        ProjectAction.CANCEL, CancelForm, gettext_lazy("Cancel the project"), danger=True
    ),
    ProjectAction.DELETE: Step(
        ProjectAction.DELETE, None, gettext_lazy("Delete the draft"), danger=True
    ),
}


def _refusal(project, action: ProjectAction):
    if action is ProjectAction.DELETE:
        return delete_refusal(project.status, project.first_proposed_at is not None)
    return refusal(project.status, action)


def _context(project, step: Step) -> dict[str, Any]:
    """What the page says follows (deadlines a resume moves, invoices a cancel leaves)."""
    context: dict[str, Any] = {"project": project, "step": step, "action": str(step.action)}
    if step.action is ProjectAction.RESUME:
        context["moved"] = reviews.deadlines_moved_by_resume(project)
    elif step.action is ProjectAction.CANCEL:
        unpaid = [
            i
            for i in billing_selectors.invoices_visible_to_project(project)
            if i.kind == InvoiceKind.INVOICE and i.status in billing_selectors.UNPAID
        ]
        context["unpaid"] = unpaid
        context["outstanding"] = sum((i.outstanding for i in unpaid), start=0)
    elif step.action is ProjectAction.DELETE:
        context["milestone_count"] = project.milestones.count()
    return context


def _call(request, project, action: ProjectAction, data: dict[str, Any]) -> str:
    actor = request.user
    if action is ProjectAction.HOLD:
        services.project_hold(project=project, actor=actor, **data)
        return _("The project is on hold. Both sides were told.")
    if action is ProjectAction.RESUME:
        reviews.project_resume_and_shift_clocks(project=project, actor=actor)
        return _("The project is active again; review and support deadlines moved.")
    if action is ProjectAction.CANCEL:
        services.project_cancel(project=project, actor=actor, **data)
        return _("The project is cancelled. Both sides were told.")
    services.project_delete(project=project, actor=actor)
    return _("The draft “%(name)s” was deleted.") % {"name": project.name}


def _step(request, pk: int, action: ProjectAction):
    """GET: what follows, and the button; POST: do it. A role that may not → 403 before the
    form is read; a state that refuses → back to the project with the reason."""
    project = selectors.project_get(request.user, pk)
    require(request.user, action, project)
    step = STEPS[action]
    refused = _refusal(project, action)
    if refused is not None and request.method != "POST":
        messages.error(request, refused.message)
        return redirect("web:project_detail", pk)
    form = step.form(request.POST or None) if step.form else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            success = _call(request, project, action, data)
        except InvalidInput as error:
            if form is None:
                raise
            apply_errors(form, error)
        except RuleViolation as error:
            messages.error(request, error.message)
            return redirect("web:project_detail", pk)
        else:
            messages.success(request, success)
            if action is ProjectAction.DELETE:
                return redirect("web:projects")
            return redirect("web:project_detail", pk)
    context = {**_context(project, step), "form": form}
    status = 400 if form is not None and form.errors else 200
    return render(request, "web/project_status.html", context, status=status)


@login_required
def project_hold(request, pk: int):
    return _step(request, pk, ProjectAction.HOLD)


@login_required
def project_resume(request, pk: int):
    return _step(request, pk, ProjectAction.RESUME)


@login_required
def project_cancel(request, pk: int):
    return _step(request, pk, ProjectAction.CANCEL)


@login_required
def project_delete(request, pk: int):
    return _step(request, pk, ProjectAction.DELETE)
