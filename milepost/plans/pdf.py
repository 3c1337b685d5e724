"""The plan and its change orders as PDFs, laid out like the browser's print of their pages (the
web's ``web/project_print.html`` and ``web/change_order_print.html``) by ``core.pdf``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import override

from milepost.core.pdf import language_tag, write_pdf


def proposal_html(project) -> str:
    """The printable plan (web/project_print.html) in the client's language."""
    milestones = list(project.milestones.all())
    context = {
        "project": project,
        "milestones": milestones,
        "allocated_budget": sum((m.budget for m in milestones), start=0),
        # A contact's copy of a plan being revised (plans.proposals.show_proposal) says so.
        "shows_proposal": hasattr(project, "shown_proposal"),
    }
    language = getattr(project.client, "language", "") or settings.LANGUAGE_CODE
    with override(language_tag(language)):
        return render_to_string("web/project_print.html", context)


def proposal_pdf(project) -> bytes:
    """The plan as a plain PDF, laid out like the browser's print of the plan page."""
    return write_pdf(proposal_html(project))


def change_order_context(change_order) -> dict:
    """What the printable change order shows: what changes, the money, and every proposal with
    its answer (the acceptance record: who, when, which version it made)."""
    from . import changes
    from .lifecycle.change_order import ChangeOrderStatus
    from .services.change_orders import change_order_outcome

    project = change_order.project
    proposals = list(
        change_order.proposals.select_related("proposed_by", "answered_by").order_by("number")
    )
    for proposal in proposals:
        proposal.answer_label = ChangeOrderStatus(proposal.answer).label if proposal.answer else ""
    if change_order.status == ChangeOrderStatus.DRAFT or not proposals:
        before, outcome = change_order_outcome(change_order)
        difference = changes.diff(before, outcome.plan)
        lines = changes.lines(difference)
        price, total_before, total_after = difference.price, before.total, outcome.plan.total
        at_once = sum((a for _s, a in changes.invoiced_at_once(before, outcome.plan)), start=0)
    else:
        shown = proposals[-1].snapshot
        lines = shown.get("lines", [])
        price, total_before, total_after = (
            change_order.price,
            change_order.total_before,
            change_order.total_after,
        )
        at_once = sum(Decimal(i["amount"]) for i in shown.get("invoiced_at_once", []))
    version = getattr(change_order, "result_version", None) if change_order.pk else None
    return {
        "change_order": change_order,
        "project": project,
        "lines": lines,
        "price": price,
        "total_before": total_before,
        "total_after": total_after,
        "at_once": at_once,
        "proposals": proposals,
        "result_version": version.version if version is not None else None,
    }


def change_order_pdf(change_order) -> bytes:
    """The change order as a PDF for the client's files, in the client's language."""
    project = change_order.project
    language = getattr(project.client, "language", "") or settings.LANGUAGE_CODE
    with override(language_tag(language)):
        html = render_to_string("web/change_order_print.html", change_order_context(change_order))
    return write_pdf(html)
