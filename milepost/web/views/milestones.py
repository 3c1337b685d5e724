"""The milestone page: scope, checklist, actions for each side, deliveries and the thread."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.pagination import feed_page
from milepost.plans import selectors as plan_selectors
from milepost.plans.lifecycle.milestone import MilestoneAction
from milepost.plans.models import MilestoneStatus
from milepost.plans.permissions import require
from milepost.reviews import policy, selectors, services

from ..forms import apply_errors
from ..review_forms import (
    ApproveForm,
    CommentForm,
    DeliverForm,
    FeedbackForm,
    ReasonForm,
    ResolveForm,
    SupportForm,
    VerdictForm,
)
from .invoices import warn_without_bank_details

FORMS = {
    "deliver_form": DeliverForm,
    "feedback_form": FeedbackForm,
    "approve_form": ApproveForm,
    "reason_form": ReasonForm,
    "support_form": SupportForm,
    "comment_form": CommentForm,
}


def milestone_context(request, milestone, **bound) -> dict:
    # The ten latest deliveries, newest first, with their verdicts: the first is the current one.
    deliveries = list(selectors.deliveries_of(milestone)[:10])
    delivery = deliveries[0] if deliveries else None
    verdicts = {v.deliverable_id: v for v in delivery.verdicts.all()} if delivery else {}
    deliverables = list(milestone.deliverables.all())
    checklist = [
        {
            "deliverable": d,
            "verdict": verdicts.get(d.pk),
            "form": bound.get(f"verdict_{d.pk}")
            or VerdictForm(
                prefix=f"v{d.pk}",
                initial={
                    "deliverable": d.pk,
                    "status": verdicts[d.pk].status if d.pk in verdicts else None,
                    "note": verdicts[d.pk].note if d.pk in verdicts else "",
                },
            ),
        }
        for d in deliverables
    ]
    thread = feed_page(selectors.thread_of(milestone), request.GET.get("page"), 25)
    context = {
        "milestone": milestone,
        "project": milestone.project,
        "actions": policy.milestone_actions(request.user, milestone),
        "waiting": policy.waiting_for(milestone),
        "overdue": policy.is_overdue(milestone),
        "delivery": delivery,
        "checklist": checklist,
        "open_items": sum(
            1 for row in checklist if not row["verdict"] or row["verdict"].status != "passed"
        ),
        "deliveries": deliveries,
        "support_requests": selectors.support_requests_of(milestone),
        "thread": thread,
        "resolve_form": ResolveForm(),
    }
    for name, form_class in FORMS.items():
        context[name] = bound.get(name) or form_class()
    return context


def _milestone(request, pk: int):
    return plan_selectors.milestone_get(request.user, pk)


@login_required
def milestone_detail(request, pk: int):
    milestone = _milestone(request, pk)
    return render(request, "web/milestone.html", milestone_context(request, milestone))


def _act(
    request,
    pk: int,
    form_name: str,
    call,
    success: str,
    *,
    action: MilestoneAction,
    prefix: str | None = None,
    bound_name: str | None = None,
):
    """Check the role (404/403 before the form is read), validate the posted form, call the
    service, and on a refusal show the page again with everything the user typed and the
    reason next to the form."""
    milestone = _milestone(request, pk)
    require(request.user, action, milestone)
    form_class = FORMS.get(form_name) or VerdictForm
    form = form_class(request.POST, request.FILES, prefix=prefix)
    if form.is_valid():
        try:
            call(milestone, form.cleaned_data)
        except InvalidInput as error:
            apply_errors(form, error)
        except RuleViolation as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, success)
            return redirect("web:milestone_detail", pk)
    milestone = _milestone(request, pk)
    context = milestone_context(request, milestone, **{bound_name or form_name: form})
    return render(request, "web/milestone.html", context, status=400)


@require_POST
@login_required
def milestone_start(request, pk: int):
    milestone = _milestone(request, pk)
    try:
        milestone = services.milestone_start(milestone=milestone, actor=request.user)
    except RuleViolation as error:
        messages.error(request, error.message)
    else:
        if milestone.status == MilestoneStatus.AWAITING_PREPAYMENT:
            messages.success(
                request,
                _("Its prepayment invoice is issued: work begins when it is paid."),
            )
            project = milestone.project
            warn_without_bank_details(request, project.organisation, project.currency)
        else:
            messages.success(request, _("Work on this milestone has started."))
    return redirect("web:milestone_detail", pk)


@require_POST
@login_required
def milestone_deliver(request, pk: int):
    return _act(
        request,
        pk,
        "deliver_form",
        lambda m, d: services.milestone_deliver(
            milestone=m,
            actor=request.user,
            notes=d["notes"],
            preview_url=d["preview_url"],
            files=d["files"],
        ),
        _("Delivered. The client has been asked to review it."),
        action=MilestoneAction.DELIVER,
    )


@require_POST
@login_required
def deliverable_verdict(request, pk: int, deliverable_id: int):
    def call(milestone, data):
        deliverable = next(
            (d for d in milestone.deliverables.all() if d.pk == deliverable_id), None
        )
        if deliverable is None:
            raise InvalidInput(_("Unknown deliverable."))
        services.deliverable_verdict(
            deliverable=deliverable, actor=request.user, status=data["status"], note=data["note"]
        )

    return _act(
        request,
        pk,
        "verdict",
        call,
        _("Test result saved."),
        action=MilestoneAction.VERDICT,
        prefix=f"v{deliverable_id}",
        bound_name=f"verdict_{deliverable_id}",
    )


@require_POST
@login_required
def milestone_request_changes(request, pk: int):
    return _act(
        request,
        pk,
        "feedback_form",
        lambda m, d: services.milestone_request_changes(
            milestone=m, actor=request.user, feedback=d["feedback"], files=d["files"]
        ),
        _("Changes requested. The agency will deliver a new version."),
        action=MilestoneAction.REQUEST_CHANGES,
    )


@require_POST
@login_required
def milestone_approve(request, pk: int):
    return _act(
        request,
        pk,
        "approve_form",
        lambda m, d: services.milestone_approve(
            milestone=m,
            actor=request.user,
            note=d["note"],
            accept_open_items=d["accept_open_items"],
        ),
        _("Milestone approved. Thank you! Its support window is now open."),
        action=MilestoneAction.APPROVE,
    )


@require_POST
@login_required
def milestone_grant_revision(request, pk: int):
    return _act(
        request,
        pk,
        "reason_form",
        lambda m, d: services.milestone_grant_revision(
            milestone=m, actor=request.user, reason=d["reason"]
        ),
        _("One extra revision granted."),
        action=MilestoneAction.GRANT_REVISION,
    )


@require_POST
@login_required
def support_request_file(request, pk: int):
    return _act(
        request,
        pk,
        "support_form",
        lambda m, d: services.support_request_file(
            milestone=m, actor=request.user, description=d["description"], files=d["files"]
        ),
        _("Support request sent to the agency."),
        action=MilestoneAction.SUPPORT_REQUEST,
    )


@require_POST
@login_required
def support_request_resolve(request, pk: int, request_id: int):
    milestone = _milestone(request, pk)
    support_request = selectors.support_request_get(request.user, request_id)
    if support_request.milestone_id != milestone.pk:
        return redirect("web:milestone_detail", pk)
    form = ResolveForm(request.POST)
    form.is_valid()
    try:
        services.support_request_resolve(
            request=support_request,
            actor=request.user,
            resolution=form.cleaned_data.get("resolution", ""),
        )
    except RuleViolation as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Support request resolved."))
    return redirect("web:milestone_detail", pk)


@require_POST
@login_required
def comment_add(request, pk: int):
    return _act(
        request,
        pk,
        "comment_form",
        lambda m, d: services.comment_add(
            milestone=m, actor=request.user, body=d["body"], files=d["files"]
        ),
        _("Comment added."),
        action=MilestoneAction.COMMENT,
    )
