"""The milestone page: scope, checklist, actions for each side, deliveries and the thread."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.billing import selectors as billing_selectors
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.money import format_money
from milepost.core.pagination import feed_page
from milepost.core.urls import cached_reverse
from milepost.plans import selectors as plan_selectors
from milepost.plans import services as plan_services
from milepost.plans.lifecycle.milestone import MilestoneAction
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.lifecycle.project import refusal as project_change_refusal
from milepost.plans.models import MilestoneStatus
from milepost.plans.permissions import allowed, require
from milepost.reviews import consequences, policy, selectors, services
from milepost.reviews.services.change_orders import revision_buy

from ..confirm import asks, confirm_page
from ..forms import apply_refusal
from ..review_forms import (
    ApproveForm,
    AskChangeOrderForm,
    BuyRevisionForm,
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
    "buy_form": BuyRevisionForm,
    "ask_form": AskChangeOrderForm,
}


def milestone_context(request, milestone, **bound) -> dict:
    # The ten latest deliveries, newest first, with their verdicts: the first is the current one.
    deliveries = list(selectors.deliveries_of(milestone)[:10])
    delivery = deliveries[0] if deliveries else None
    rows = selectors.checklist_of(milestone, delivery)
    checklist = [
        {
            "deliverable": row.deliverable,
            "verdict": row.verdict,
            "status": row.status,
            "carried_from": row.carried_from,
            "earlier": row.earlier if not row.carried_from else None,
            "earlier_in": row.earlier_in,
            "form": bound.get(f"verdict_{row.deliverable.pk}")
            or VerdictForm(
                prefix=f"v{row.deliverable.pk}",
                initial={
                    "deliverable": row.deliverable.pk,
                    "status": row.verdict.status if row.verdict else None,
                    "note": row.verdict.note if row.verdict else "",
                },
            ),
        }
        for row in rows
    ]
    thread = feed_page(selectors.thread_of(milestone), request.GET.get("page"), 25)
    actions = policy.milestone_actions(request.user, milestone)
    context = {
        "milestone": milestone,
        "project": milestone.project,
        "actions": actions,
        "invoices": billing_selectors.invoices_of_milestone(request.user, milestone),
        # What approving and requesting changes will do, for their confirmation dialogs.
        "approval_said": consequences.approval(milestone) if actions["approve"].enabled else None,
        "changes_said": consequences.request_changes(milestone)
        if actions["request_changes"].enabled
        else None,
        "buy_said": consequences.revision_purchase(milestone)
        if actions["buy_revision"].enabled
        else None,
        "change_order_requests": plan_selectors.change_order_requests_of(request.user, milestone)[
            :10
        ],
        # Owners and managers answer what the client asked for (a project taking change orders).
        "answers_requests": allowed(request.user, ProjectAction.CHANGE_PLAN, milestone.project)
        and project_change_refusal(milestone.project.status, ProjectAction.CHANGE_PLAN) is None,
        "waiting": policy.waiting_for(milestone),
        "overdue": policy.is_overdue(milestone),
        "delivery": delivery,
        "checklist": checklist,
        "open_items": sum(1 for row in rows if row.status != "passed"),
        "deliveries": deliveries,
        "support_requests": selectors.support_requests_of(milestone),
        "thread": thread,
        "resolve_form": ResolveForm(),
    }
    initial = {"feedback_form": {"feedback": selectors.feedback_draft(rows)}}
    for name, form_class in FORMS.items():
        context[name] = bound.get(name) or form_class(initial=initial.get(name))
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
    confirm: tuple[str, str] | None = None,
):
    """Check the role (404/403 before the form is read), validate the posted form, call the
    service, and on a refusal show the page again with everything the user typed and the
    reason next to the form. ``confirm`` (title, button): a form still asking (no dialog
    confirmed it) gets the page that states the consequence first. ``success`` may be a
    function of the milestone, after the service ran."""
    milestone = _milestone(request, pk)
    require(request.user, action, milestone)
    form_class = FORMS.get(form_name) or VerdictForm
    form = form_class(request.POST, request.FILES, prefix=prefix)
    if form.is_valid():
        try:
            if confirm is not None and asks(request):
                said = consequences.milestone_preview(request.user, milestone, action)
                back = cached_reverse("web:milestone_detail", milestone.pk)
                return confirm_page(request, said, title=confirm[0], label=confirm[1], back=back)
            call(milestone, form.cleaned_data)
        except (InvalidInput, RuleViolation) as error:
            apply_refusal(form, error)
        else:
            messages.success(request, success(milestone) if callable(success) else success)
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
        confirm=(_("Request changes?"), _("Request changes")),
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
        _approved,
        action=MilestoneAction.APPROVE,
        confirm=(_("Approve this milestone?"), _("Approve milestone")),
    )


def _approved(milestone):
    """The message after approval: it names the invoice issued, with a link to it."""
    invoice = billing_selectors.approval_invoice(milestone)
    if invoice is None:
        return _("Milestone approved. Thank you! Its support window is now open.")
    return format_html(
        _(
            "Milestone approved. Thank you! Invoice {link} for {amount} is issued, due {due}; "
            "the support window is now open."
        ),
        link=format_html(
            '<a href="{}">{}</a>', cached_reverse("web:invoice_detail", invoice.pk), invoice.number
        ),
        amount=format_money(invoice.gross, invoice.currency, get_language() or "en"),
        due=formats.date_format(invoice.due_date, "DATE_FORMAT"),
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


@require_POST
@login_required
def milestone_buy_revision(request, pk: int):
    def bought(milestone) -> str:
        return _(
            "One more revision bought: it is recorded as a change order, and the plan is v%(n)s."
        ) % {"n": milestone.project.plan_version + 1}

    return _act(
        request,
        pk,
        "buy_form",
        lambda m, d: revision_buy(milestone=m, actor=request.user),
        bought,
        action=MilestoneAction.BUY_REVISION,
        confirm=(_("Buy one more revision?"), _("Buy one revision")),
    )


@require_POST
@login_required
def milestone_ask_change_order(request, pk: int):
    return _act(
        request,
        pk,
        "ask_form",
        lambda m, d: plan_services.change_order_request_file(
            milestone=m, actor=request.user, text=d["text"]
        ),
        _("Sent: the agency prices your request as a change order, or says why not."),
        action=MilestoneAction.ASK_CHANGE_ORDER,
    )


@require_POST
@login_required
def change_order_request_draft(request, pk: int):
    """The agency turns what the client asked for into a draft change order, and edits it."""
    asked = plan_selectors.change_order_request_get(request.user, pk)
    project = asked.milestone.project
    try:
        co = plan_services.change_order_create(
            project=project,
            actor=request.user,
            title=Truncator(asked.text).chars(80),
            reason=asked.text,
            request=asked,
        )
    except (InvalidInput, RuleViolation) as error:
        messages.error(request, error.message)
        return redirect("web:milestone_detail", asked.milestone_id)
    messages.success(
        request,
        _("%(co)s drafted from the client's request. Say what changes and what it costs.")
        % {"co": co.label},
    )
    return redirect("web:change_order_edit", co.pk)


@require_POST
@login_required
def change_order_request_decline(request, pk: int):
    """The agency says why it will not make what the client asked for."""
    asked = plan_selectors.change_order_request_get(request.user, pk)
    try:
        plan_services.change_order_request_decline(
            request=asked, actor=request.user, reason=request.POST.get("reason", "")
        )
    except (InvalidInput, RuleViolation) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Declined. The client sees your reason."))
    page = cached_reverse("web:milestone_detail", asked.milestone_id)
    return redirect(page + "#change-order-requests")
