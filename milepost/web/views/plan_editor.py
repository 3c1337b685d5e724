"""The plan editor: change a draft plan's milestones and deliverables, see what is missing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.money import normalise
from milepost.plans import selectors, services
from milepost.plans.lifecycle.project import SOURCES, ProjectAction
from milepost.plans.models import MILESTONE_FIELDS
from milepost.plans.permissions import require
from milepost.plans.rules import allocation_message
from milepost.reviews import consequences

from ..forms import apply_errors, apply_refusal
from ..plan_forms import (
    DeliverableFormSet,
    MilestoneForm,
    ProjectSettingsForm,
    ProjectTotalForm,
    deliverables_from,
)


def _milestone_forms(milestone, currency):
    initial = {f: getattr(milestone, f) for f in MILESTONE_FIELDS}
    initial["budget"] = normalise(milestone.budget, currency)
    prefix = f"m{milestone.pk}"
    form = MilestoneForm(initial=initial, prefix=prefix)
    formset = DeliverableFormSet(
        prefix=f"{prefix}-d",
        initial=[
            {"id": d.pk, "title": d.title, "acceptance_criteria": d.acceptance_criteria}
            for d in milestone.deliverables.all()
        ],
    )
    return form, formset


def _editable_project(request, pk: int):
    project = selectors.project_get(request.user, pk)
    require(request.user, ProjectAction.EDIT_PLAN, project)
    return project


def _render(
    request,
    project,
    *,
    bound: dict | None = None,
    new=None,
    settings_form=None,
    total_form=None,
    status=200,
):
    """The editor page; ``bound`` keeps the forms of a refused save exactly as typed."""
    bound = bound or {}
    editable = project.status in SOURCES[ProjectAction.EDIT_PLAN]
    cards = []
    for milestone in project.milestones.all():
        form, formset = bound.get(milestone.pk) or _milestone_forms(milestone, project.currency)
        cards.append({"milestone": milestone, "form": form, "formset": formset})
    allocated = sum((m.budget for m in project.milestones.all()), start=0)
    defaults = {
        "revision_quota": project.default_revision_quota,
        "support_window_days": project.default_support_window_days,
        "billing_trigger": "on_approval",
    }
    if new is None:
        new = (MilestoneForm(prefix="new", initial=defaults), DeliverableFormSet(prefix="new-d"))
    problems = services.plan_problems(project) if editable else []
    proposable = project.status in SOURCES[ProjectAction.PROPOSE] and not problems
    settings_form = settings_form or ProjectSettingsForm(
        initial={
            "name": project.name,
            "summary": project.summary,
            "start_date": project.start_date,
            "sequential_gating": project.sequential_gating,
            "pay_before_next": project.pay_before_next,
            "auto_approve_days": project.auto_approve_days,
            "extra_revision_price": ""
            if project.extra_revision_price is None
            else normalise(project.extra_revision_price, project.currency),
        }
    )
    total_form = total_form or ProjectTotalForm(initial={"total_budget": project.total})
    return render(
        request,
        "web/plan_editor.html",
        {
            "project": project,
            "cards": cards,
            "new_form": new[0],
            "new_formset": new[1],
            "settings_form": settings_form,
            "total_form": total_form,
            "allocated": allocated,
            "gap_message": allocation_message(project.total_budget, allocated, project.currency),
            "problems": problems,
            "editable": editable,
            "proposal_said": consequences.proposal(project) if proposable else None,
        },
        status=status,
    )


@login_required
def plan_editor(request, pk: int):
    project = _editable_project(request, pk)
    return _render(request, project)


def _save(request, project, form, formset, save):
    """Run ``save(data)`` when the forms are valid; return None on success, else errors shown."""
    if form.is_valid() and formset.is_valid():
        data = {**form.cleaned_data, "deliverables": deliverables_from(formset)}
        try:
            save(data)
        except InvalidInput as error:
            apply_errors(form, error)
        except RuleViolation as error:
            form.add_error(None, error.message)
        else:
            return True
    return False


@require_POST
@login_required
def project_total(request, pk: int):
    """Change the total budget from the allocation box; a refusal is shown beside it."""
    project = _editable_project(request, pk)
    form = ProjectTotalForm(request.POST)
    if form.is_valid():
        try:
            services.project_update(
                project=project, actor=request.user, total_budget=form.cleaned_data["total_budget"]
            )
        except (InvalidInput, RuleViolation) as error:
            apply_refusal(form, error)
        else:
            messages.success(request, _("Total budget saved."))
            return redirect(reverse("web:plan_editor", args=[pk]) + "#allocation")
    project = selectors.project_get(request.user, pk)
    return _render(request, project, total_form=form, status=400)


@require_POST
@login_required
def milestone_add(request, pk: int):
    project = _editable_project(request, pk)
    form, formset = (
        MilestoneForm(request.POST, prefix="new"),
        DeliverableFormSet(request.POST, prefix="new-d"),
    )
    if _save(
        request,
        project,
        form,
        formset,
        lambda data: services.milestone_add(project=project, actor=request.user, **data),
    ):
        messages.success(request, _("Milestone added."))
        return redirect("web:plan_editor", pk)
    project = selectors.project_get(request.user, pk)
    return _render(request, project, new=(form, formset), status=400)


@require_POST
@login_required
def milestone_edit(request, pk: int, milestone_id: int):
    project = _editable_project(request, pk)
    milestone = next((m for m in project.milestones.all() if m.pk == milestone_id), None)
    if milestone is None:
        return redirect("web:plan_editor", pk)
    prefix = f"m{milestone.pk}"
    form = MilestoneForm(request.POST, prefix=prefix)
    formset = DeliverableFormSet(request.POST, prefix=f"{prefix}-d")
    if _save(
        request,
        project,
        form,
        formset,
        lambda data: services.milestone_update(milestone=milestone, actor=request.user, **data),
    ):
        messages.success(request, _("Milestone %(n)s saved.") % {"n": milestone.position})
        return redirect(reverse("web:plan_editor", args=[pk]) + f"#m{milestone.pk}")
    project = selectors.project_get(request.user, pk)
    return _render(request, project, bound={milestone.pk: (form, formset)}, status=400)


@require_POST
@login_required
def milestone_move(request, pk: int, milestone_id: int):
    project = _editable_project(request, pk)
    milestone = next((m for m in project.milestones.all() if m.pk == milestone_id), None)
    if milestone is not None:
        offset = -1 if request.POST.get("direction") == "up" else 1
        try:
            services.milestone_move(
                milestone=milestone, position=milestone.position + offset, actor=request.user
            )
        except (InvalidInput, RuleViolation) as error:
            messages.error(request, error.message)
    return redirect("web:plan_editor", pk)


@login_required
def milestone_remove(request, pk: int, milestone_id: int):
    """Ask first; remove on POST."""
    project = _editable_project(request, pk)
    milestone = next((m for m in project.milestones.all() if m.pk == milestone_id), None)
    if milestone is None:
        return redirect("web:plan_editor", pk)
    if request.method == "POST":
        try:
            services.milestone_remove(milestone=milestone, actor=request.user)
        except RuleViolation as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Milestone “%(title)s” removed.") % {"title": milestone.title}
            )
        return redirect("web:plan_editor", pk)
    return render(
        request, "web/milestone_remove.html", {"project": project, "milestone": milestone}
    )


@require_POST
@login_required
def project_settings(request, pk: int):
    project = _editable_project(request, pk)
    form = ProjectSettingsForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        unchanged_plan = project.status not in SOURCES[ProjectAction.EDIT_PLAN]
        if unchanged_plan:
            data = {k: data[k] for k in ("name", "summary", "pay_before_next", "auto_approve_days")}
        try:
            services.project_update(project=project, actor=request.user, **data)
        except InvalidInput as error:
            apply_errors(form, error)
        except RuleViolation as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Project settings saved."))
            return redirect("web:plan_editor", pk)
    project = selectors.project_get(request.user, pk)
    return _render(request, project, settings_form=form, status=400)
