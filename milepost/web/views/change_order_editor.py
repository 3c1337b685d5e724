"""The change-order editor: a draft's title, reason and changes in one form, built like the plan
editor. A save always keeps what was typed (the draft stores its changes, problems and all); the
problems are listed at once and beside their fields, and only block proposing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from milepost.core.errors import InvalidInput, RuleViolation
from milepost.plans import changes, selectors, services
from milepost.plans.lifecycle import change_order as lifecycle
from milepost.plans.lifecycle.change_order import ChangeOrderAction, ChangeOrderStatus
from milepost.plans.permissions import require
from milepost.plans.services.change_orders import current_plan

from ..change_order_cards import editor_cards
from ..change_order_forms import TextsForm, changes_from_post
from ..forms import apply_errors


def _last_answer(co):
    """The last proposal, when the client declined it or the agency withdrew it: a revision is
    edited with that answer in view (who, when, and the client's reasons)."""
    last = co.proposals.select_related("answered_by").order_by("-number").first()
    answered = (ChangeOrderStatus.DECLINED, ChangeOrderStatus.WITHDRAWN)
    return last if last is not None and last.answer in answered else None


def _render(request, co, *, texts=None, status: int = 200):
    project = co.project
    before, outcome = services.change_order_outcome(co)
    defaults = {
        "revision_quota": project.default_revision_quota,
        "support_window_days": project.default_support_window_days,
    }
    editor = editor_cards(before, co.changes, defaults, outcome)
    texts = texts or TextsForm(initial={"title": co.title, "reason": co.reason})
    return render(
        request,
        "web/change_order_editor.html",
        {
            "co": co,
            "project": project,
            "texts": texts,
            "editor": editor,
            "problems": outcome.problems,
            "total_before": before.total,
            "total_after": outcome.plan.total,
            "price": outcome.plan.total - before.total,
            "stale": co.base_version != project.plan_version,
            "last_answer": _last_answer(co),
        },
        status=status,
    )


@login_required
def change_order_edit(request, pk: int):
    """GET: the editor; POST: save the draft as typed and come back to it."""
    co = selectors.change_order_get(request.user, pk)
    require(request.user, ChangeOrderAction.EDIT, co)
    refused = lifecycle.refusal(co.status, ChangeOrderAction.EDIT)
    if refused is not None:
        messages.error(request, refused.message)
        return redirect("web:change_order_detail", co.pk)
    if request.method != "POST":
        return _render(request, co)
    texts = TextsForm(request.POST)
    texts.is_valid()
    typed = {k: texts.cleaned_data.get(k, "") for k in ("title", "reason")}
    listed = changes_from_post(current_plan(co.project), request.POST, co.changes)
    try:
        try:
            services.change_order_update(
                change_order=co, actor=request.user, changes_=listed, **typed
            )
        except InvalidInput as error:
            # The title or reason is refused: keep the changes, show the text beside its field.
            kept = {k: v for k, v in typed.items() if k not in error.details}
            services.change_order_update(
                change_order=co, actor=request.user, changes_=listed, **kept
            )
            apply_errors(texts, error)
            co = selectors.change_order_get(request.user, pk)
            return _render(request, co, texts=texts, status=400)
    except RuleViolation as error:  # no longer a draft (answered meanwhile)
        messages.error(request, error.message)
        return redirect("web:change_order_detail", co.pk)
    co = selectors.change_order_get(request.user, pk)
    before, outcome = services.change_order_outcome(co)
    count = len(outcome.problems)
    if count:
        messages.warning(
            request,
            ngettext(
                "Draft saved. %(n)s problem to fix before you can propose it.",
                "Draft saved. %(n)s problems to fix before you can propose it.",
                count,
            )
            % {"n": count},
        )
        return redirect("web:change_order_edit", co.pk)
    if changes.diff(before, outcome.plan).empty:
        messages.warning(request, _("Draft saved. It changes nothing yet: say what changes."))
        return redirect("web:change_order_edit", co.pk)
    messages.success(request, _("Draft saved. It is ready to propose."))
    return redirect("web:change_order_detail", co.pk)
