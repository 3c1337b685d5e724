"""What a binding action will do, said before it is taken: the one place its confirmation is
written, for the web's dialogs and the API's previews alike.

Each function reads the rules the action's service applies (the invoice's tax and terms, the
support window, gating and pay-before-next, revisions, the prepayment release) and returns a
``Consequence``: the sentences to show and the facts behind them. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from milepost.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentMethod
from milepost.billing.services import invoice_amounts, status_after_paid
from milepost.billing.services.payments import payment_clean, refuse_over_outstanding
from milepost.core import clock
from milepost.core.errors import RuleViolation
from milepost.core.money import format_money, normalise
from milepost.plans.lifecycle.milestone import DONE, MilestoneAction, MilestoneStatus, quota_refusal
from milepost.plans.lifecycle.milestone import project_refusal as held_by_project
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.lifecycle.project import refusal as project_refusal
from milepost.plans.models import AccessRole, BillingTrigger, Milestone, Project, ProjectAccess
from milepost.plans.permissions import InvoiceAction, require
from milepost.plans.services.change_orders import is_invoiced

from .services.common import target_state
from .services.delivery import current_delivery
from .services.prepayment import waits_again_without_prepayment
from .services.start import start_refusal
from .services.verdicts import checklist


@dataclass(frozen=True)
class Consequence:
    """What ``action`` will do: ``lines`` to read, ``facts`` for programs (amounts as strings)."""

    action: str
    lines: list[str]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return " ".join(self.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "summary": self.summary,
            "lines": list(self.lines),
            "facts": self.facts,
        }


def _money(amount: Decimal, currency: str) -> str:
    return format_money(normalise(amount, currency), currency, get_language() or "en")


def _rate(rate: Decimal) -> str:
    text = f"{Decimal(rate):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _name(milestone: Milestone) -> str:
    return _("milestone %(n)s (“%(title)s”)") % {"n": milestone.position, "title": milestone.title}


def _opening_name(milestone: Milestone) -> str:
    """The milestone named at the start of a sentence."""
    return _("Milestone %(n)s (“%(title)s”)") % {"n": milestone.position, "title": milestone.title}


def _invoice_text(milestone: Milestone) -> tuple[str, dict[str, Any]]:
    """ "€2,261.00 (€1,900.00 + 19 % VAT)" for the milestone's invoice, and its facts."""
    project = milestone.project
    amounts, reverse_charge = invoice_amounts(milestone)
    currency = project.currency
    gross, net = _money(amounts.gross, currency), _money(amounts.net, currency)
    if reverse_charge:
        text = _("%(gross)s (reverse charge: no VAT charged)") % {"gross": gross}
    elif not amounts.tax:
        text = _("%(gross)s (no VAT)") % {"gross": gross}
    else:
        text = _("%(gross)s (%(net)s + %(rate)s %% VAT)") % {
            "gross": gross,
            "net": net,
            "rate": _rate(amounts.tax_rate),
        }
    facts = {
        "currency": currency,
        "net": str(amounts.net),
        "tax_rate": str(amounts.tax_rate),
        "tax": str(amounts.tax),
        "gross": str(amounts.gross),
        "reverse_charge": reverse_charge,
        "payment_terms_days": project.payment_terms_days,
    }
    return text, facts


def _milestones(project: Project) -> list[Milestone]:
    """The project's milestones in order, each holding ``project`` (the start gate reads it)."""
    rows = list(
        Milestone.objects.filter(project_id=project.pk)
        .only("position", "title", "status", "budget", "billing_trigger", "project_id")
        .order_by("position")
    )
    for row in rows:
        row.project = project
    return rows


def _next(milestones: list[Milestone], position: int) -> Milestone | None:
    return next((m for m in milestones if m.position > position), None)


def _ref(milestone: Milestone | None) -> dict[str, Any] | None:
    if milestone is None:
        return None
    return {"id": milestone.pk, "position": milestone.position, "title": milestone.title}


# --- The plan ------------------------------------------------------------------------------------


def proposal(project: Project) -> Consequence:
    """Proposing: who is told, and what they can do."""
    approvers = list(
        ProjectAccess.objects.filter(project_id=project.pk, role=AccessRole.APPROVER)
        .select_related("user")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    count = Milestone.objects.filter(project_id=project.pk).count()
    plan = ngettext(
        "Proposing sends the plan (%(total)s in %(n)s milestone) to %(client)s.",
        "Proposing sends the plan (%(total)s in %(n)s milestones) to %(client)s.",
        count,
    ) % {
        "total": _money(project.total_budget, project.currency),
        "n": count,
        "client": project.client.name,
    }
    lines = [plan]
    if approvers:
        lines.append(
            _(
                "Its approvers (%(who)s) are told by email and can accept it, which makes it the "
                "baseline, or decline it with their reasons."
            )
            % {"who": ", ".join(approvers)}
        )
    else:
        lines.append(
            _(
                "Nobody can accept it yet: give a contact of %(client)s approver access to "
                "this project."
            )
            % {"client": project.client.name}
        )
    lines.append(_("While it is proposed the plan cannot be edited; withdraw it to change it."))
    return Consequence(
        "propose",
        lines,
        {"approvers": approvers, "milestones": count, "total": str(project.total_budget)},
    )


def acceptance(project: Project) -> Consequence:
    """Accepting: the plan becomes the baseline, and what is invoiced first."""
    milestones = _milestones(project)
    lines = [
        _(
            "Accepting makes this plan the baseline (v1): its scope, its %(total)s budget and its "
            "dates then change only through change orders you accept."
        )
        % {"total": _money(project.total_budget, project.currency)}
    ]
    facts: dict[str, Any] = {"baseline": 1, "total": str(project.total_budget)}
    first = milestones[0] if milestones else None
    if first is not None:
        first.project = project
        text, invoice = _invoice_text(first)
        if first.billing_trigger == BillingTrigger.ON_START:
            lines.append(
                _(
                    "The first invoice, %(amount)s for %(name)s, is issued when the agency starts "
                    "it (a prepayment, payable within %(days)s days): work begins once it is paid."
                )
                % {"amount": text, "name": _name(first), "days": project.payment_terms_days}
            )
        else:
            lines.append(
                _(
                    "The first invoice, %(amount)s for %(name)s, is issued when you approve that "
                    "milestone, payable within %(days)s days."
                )
                % {"amount": text, "name": _name(first), "days": project.payment_terms_days}
            )
        facts["first_invoice"] = {
            "milestone": _ref(first),
            "trigger": first.billing_trigger,
            **invoice,
        }
        lines.append(_("The agency can then start %(name)s.") % {"name": _name(first)})
    return Consequence("accept", lines, facts)


# --- The review ----------------------------------------------------------------------------------


def approval(milestone: Milestone) -> Consequence:
    """Approving: the invoice it issues, the support window it opens, what it unlocks."""
    project = milestone.project
    milestones = _milestones(project)
    clauses: list[str] = []
    facts: dict[str, Any] = {"invoice": None, "unlocks": None, "completes_project": False}
    extra: list[str] = []
    if milestone.billing_trigger == BillingTrigger.ON_APPROVAL:
        text, invoice = _invoice_text(milestone)
        clauses.append(
            _("issues an invoice for %(amount)s, payable within %(days)s days")
            % {"amount": text, "days": project.payment_terms_days}
        )
        facts["invoice"] = invoice
    else:
        prepaid = (
            Invoice.objects.filter(
                milestone_id=milestone.pk, kind=InvoiceKind.INVOICE, trigger=BillingTrigger.ON_START
            )
            .exclude(status=InvoiceStatus.VOID)
            .values_list("number", flat=True)
            .first()
        )
        extra.append(
            _("It was invoiced when work started (%(number)s): approving invoices nothing more.")
            % {"number": prepaid or _("a prepayment")}
        )
    days = milestone.support_window_days
    if days:
        clauses.append(
            ngettext(
                "opens a %(n)s-day support window for small fixes",
                "opens a %(n)s-day support window for small fixes",
                days,
            )
            % {"n": days}
        )
    else:
        clauses.append(_("closes it without a support window"))
    facts["support_window_days"] = days
    others_done = all(m.status in DONE for m in milestones if m.pk != milestone.pk)
    following = _next(milestones, milestone.position)
    if others_done:
        clauses.append(_("completes the project"))
        facts["completes_project"] = True
    elif (
        following is not None
        and following.status == MilestoneStatus.PLANNED
        and project.sequential_gating
        and start_refusal(following, assume_done={milestone.pk}) is None
    ):
        # The start gate itself, as if this milestone were approved: an invoice of an earlier
        # milestone still unpaid (pay before next) keeps the next one waiting, so nothing is said.
        facts["unlocks"] = _ref(following)
        if project.pay_before_next and milestone.billing_trigger == BillingTrigger.ON_APPROVAL:
            clauses.append(
                _("lets %(name)s start once this invoice is paid") % {"name": _name(following)}
            )
        else:
            clauses.append(_("lets %(name)s start") % {"name": _name(following)})
    head = (
        _("Approving %(first)s and %(last)s.")
        % {"first": ", ".join(clauses[:-1]), "last": clauses[-1]}
        if len(clauses) > 1
        else _("Approving %(only)s.") % {"only": clauses[0]}
    )
    lines = [head, *extra]
    open_items = [
        row
        for row in checklist(milestone, current_delivery(milestone))
        if row["status"] != "passed"
    ]
    if open_items:
        lines.append(
            ngettext(
                "%(n)s deliverable has not passed: it becomes a support request, which uses no "
                "revision.",
                "%(n)s deliverables have not passed: they become support requests, which use no "
                "revision.",
                len(open_items),
            )
            % {"n": len(open_items)}
        )
    facts["open_items"] = len(open_items)
    lines.append(_("An approval cannot be undone."))
    return Consequence("approve", lines, facts)


def request_changes(milestone: Milestone) -> Consequence:
    """Requesting changes: the revision it uses, and how many remain after it."""
    left = milestone.revisions_left
    after = max(left - 1, 0)
    if left <= 0:
        lines = [
            _(
                "No revision is left on this milestone. The agency can grant an extra revision, "
                "or you can ask for a change order."
            )
        ]
    elif after == 0:
        lines = [
            _("This uses your last revision: none is left after this one."),
            _(
                "For further changes the agency would have to grant an extra revision, or you "
                "could ask for a change order."
            ),
        ]
    else:
        lines = [
            ngettext(
                "This uses one revision: %(n)s of %(total)s is left after this one.",
                "This uses one revision: %(n)s of %(total)s are left after this one.",
                after,
            )
            % {"n": after, "total": milestone.revision_quota}
        ]
    lines.append(_("The agency is told what to change and delivers a new version for review."))
    return Consequence(
        "request_changes",
        lines,
        {"revisions_left": left, "revisions_left_after": after, "quota": milestone.revision_quota},
    )


# --- Money ---------------------------------------------------------------------------------------


def _invoice_state(invoice: Invoice, paid: Decimal) -> tuple[str, str]:
    """The status the invoice takes with ``paid`` paid, and how to say it."""
    status = status_after_paid(invoice, paid)
    # What credit notes took off the invoice (a change order's cut) is not owed either.
    owed = max(invoice.gross - paid - (invoice.credited or 0), 0)
    outstanding = _money(owed, invoice.currency)
    if status == InvoiceStatus.PAID:
        return status, _("%(number)s is then paid in full.") % {"number": invoice.number}
    overdue = invoice.due_date < clock.today()
    if status == InvoiceStatus.ISSUED:
        text = (
            _("%(number)s is then unpaid again (%(outstanding)s), overdue since %(due)s.")
            if overdue
            else _("%(number)s is then unpaid again (%(outstanding)s), due %(due)s.")
        )
    else:
        text = (
            _("%(number)s is then partially paid, overdue, with %(outstanding)s outstanding.")
            if overdue
            else _("%(number)s is then partially paid, with %(outstanding)s outstanding.")
        )
    return status, text % {
        "number": invoice.number,
        "outstanding": outstanding,
        "due": _date(invoice.due_date),
    }


def payment(invoice: Invoice, *, amount: Any, date: Any = None, method: str = "") -> Consequence:
    """Recording a payment: the invoice's resulting status and what it releases.

    ``amount`` is cleaned as the service cleans it (400 with the same messages)."""
    cleaned = payment_clean(
        invoice, amount, date or clock.today(), method or PaymentMethod.BANK_TRANSFER, ""
    )
    received = cleaned["amount"]
    refuse_over_outstanding(invoice, received)
    paid = invoice.paid + received
    status, state = _invoice_state(invoice, paid)
    lines = [
        _("Recording %(amount)s against %(number)s.")
        % {"amount": _money(received, invoice.currency), "number": invoice.number},
        state,
    ]
    facts: dict[str, Any] = {
        "status_after": status,
        "paid_after": str(normalise(paid, invoice.currency)),
        "releases": None,
    }
    milestone = Milestone.objects.select_related("project").get(pk=invoice.milestone_id)
    if status == InvoiceStatus.PAID:
        if (
            invoice.trigger == BillingTrigger.ON_START
            and milestone.status == MilestoneStatus.AWAITING_PREPAYMENT
        ):
            # What ``milestone_release_prepaid`` will do: nothing begins in a cancelled project.
            if held_by_project(milestone.project.status, MilestoneAction.PREPAYMENT_RECEIVED):
                lines.append(
                    _("The project is cancelled: %(name)s does not begin.")
                    % {"name": _name(milestone)}
                )
            else:
                lines.append(
                    _("It is the prepayment of %(name)s: work on it begins at once.")
                    % {"name": _name(milestone)}
                )
                facts["releases"] = _ref(milestone)
        elif milestone.project.pay_before_next:
            following = _next(_milestones(milestone.project), milestone.position)
            if (
                following is not None
                and following.status == MilestoneStatus.PLANNED
                and start_refusal(following, assume_paid={invoice.pk}) is None
            ):
                lines.append(
                    _("Every invoice before %(name)s is then paid: it may start.")
                    % {"name": _name(following)}
                )
                facts["releases"] = _ref(following)
    return Consequence("record_payment", lines, facts)


def reversals(invoice: Invoice, payments: list[Payment]) -> dict[int, Consequence]:
    """What reversing each of the invoice's live ``payments`` would do (its page): the
    milestones are read once for all of them."""
    milestone = Milestone.objects.select_related("project").get(pk=invoice.milestone_id)
    milestones = _milestones(milestone.project) if milestone.project.pay_before_next else []
    return {
        p.pk: reversal(p, milestone=milestone, milestones=milestones)
        for p in payments
        if not p.is_reversed
    }


def reversal(
    payment: Payment,
    *,
    milestone: Milestone | None = None,
    milestones: list[Milestone] | None = None,
) -> Consequence:
    """Reversing a payment: the invoice's resulting status, and what happens to what it released.

    ``milestone`` (the invoice's) and ``milestones`` (the project's) save queries when given."""
    invoice = payment.invoice
    paid = max(invoice.paid - payment.amount, Decimal(0))
    status, state = _invoice_state(invoice, paid)
    lines = [
        _(
            "Reversing takes %(amount)s received on %(date)s off %(number)s; the payment stays on "
            "record, marked reversed, with your reason."
        )
        % {
            "amount": _money(payment.amount, invoice.currency),
            "date": _date(payment.date),
            "number": invoice.number,
        },
        state,
    ]
    facts: dict[str, Any] = {
        "status_after": status,
        "paid_after": str(normalise(paid, invoice.currency)),
        "milestone_back_to_waiting": None,
    }
    if milestone is None:
        milestone = Milestone.objects.select_related("project").get(pk=invoice.milestone_id)
    if invoice.trigger == BillingTrigger.ON_START and invoice.status == InvoiceStatus.PAID:
        if waits_again_without_prepayment(milestone):
            lines.append(
                _(
                    "%(name)s was started by this prepayment and nothing is delivered yet: it "
                    "goes back to awaiting its prepayment."
                )
                % {"name": _opening_name(milestone)}
            )
            facts["milestone_back_to_waiting"] = _ref(milestone)
        elif milestone.status not in (
            MilestoneStatus.AWAITING_PREPAYMENT,
            MilestoneStatus.IN_PROGRESS,
        ):
            lines.append(
                _("%(name)s stays %(status)s: work on it has been delivered.")
                % {
                    "name": _opening_name(milestone),
                    "status": milestone.get_status_display().lower(),
                }
            )
    if milestone.project.pay_before_next and invoice.status == InvoiceStatus.PAID:
        if not milestones:
            milestones = _milestones(milestone.project)
        following = _next(milestones, milestone.position)
        if following is not None and following.status == MilestoneStatus.PLANNED:
            lines.append(
                _("%(name)s cannot start until this invoice is paid again.")
                % {"name": _opening_name(following)}
            )
        elif following is not None:
            lines.append(
                _("%(name)s has started already: it carries on.")
                % {"name": _opening_name(following)}
            )
    if payment.method == PaymentMethod.CARD:
        lines.append(
            _("Milepost records the reversal only: refund a card payment in Stripe itself.")
        )
    return Consequence("reverse_payment", lines, facts)


# --- Previews: what the caller would be told, or the refusal the action itself would give --------


def milestone_preview(user: Any, milestone: Milestone, action: MilestoneAction) -> Consequence:
    """Approving or requesting changes, as ``user`` would: 404/403/409 as the action would
    (its state, the project's, and for changes the revisions left)."""
    require(user, action, milestone)
    target_state(milestone, action)
    if action == MilestoneAction.REQUEST_CHANGES:
        refused = quota_refusal(milestone.revisions_left)
        if refused is not None:
            raise refused.error()
    if action == MilestoneAction.APPROVE:
        return approval(milestone)
    if action == MilestoneAction.BUY_REVISION:
        return revision_purchase(milestone)
    return request_changes(milestone)


def revision_purchase(milestone: Milestone) -> Consequence:
    """Buying one more revision: what it costs, when it is invoiced, the plan version it makes."""
    project = milestone.project
    price = project.extra_revision_price
    if price is None:
        raise RuleViolation(
            _("The agency does not sell extra revisions on this project."),
            code="extra_revisions_off",
        )
    currency = project.currency
    invoiced = is_invoiced(milestone.status, milestone.billing_trigger)
    lines = [
        _(
            "Buying one more revision of “%(title)s” costs %(price)s: its budget becomes "
            "%(budget)s and the project's total %(total)s."
        )
        % {
            "title": milestone.title,
            "price": _money(price, currency),
            "budget": _money(milestone.budget + price, currency),
            "total": _money(project.total_budget + price, currency),
        },
        _("It is invoiced at once: this milestone was already invoiced.")
        if invoiced
        else _("It is invoiced with this milestone's invoice."),
        _("It is recorded as a change order you accept, and makes plan v%(n)s.")
        % {"n": project.plan_version + 1},
    ]
    return Consequence(
        str(MilestoneAction.BUY_REVISION),
        lines,
        {"price": str(normalise(price, currency)), "invoiced_at_once": invoiced},
    )


def project_preview(user: Any, project: Project, action: ProjectAction) -> Consequence:
    """Proposing or accepting the plan, as ``user`` would."""
    require(user, action, project)
    refused = project_refusal(project.status, action)
    if refused is not None:
        raise refused.error()
    if action == ProjectAction.PROPOSE:
        return proposal(project)
    return acceptance(project)


def payment_preview(user: Any, invoice: Invoice, *, amount: Any, date: Any = None) -> Consequence:
    """Recording ``amount`` on ``invoice``, as ``user`` would."""
    require(user, InvoiceAction.MANAGE, invoice)
    if invoice.kind != InvoiceKind.INVOICE or invoice.status == InvoiceStatus.VOID:
        raise RuleViolation(_("This invoice is void: it cannot be paid."), code="invoice_void")
    return payment(invoice, amount=amount, date=date)


def reversal_preview(user: Any, payment: Payment) -> Consequence:
    """Reversing ``payment``, as ``user`` would."""
    require(user, InvoiceAction.REVERSE_PAYMENT, payment.invoice)
    if payment.is_reversed:
        raise RuleViolation(_("This payment was already reversed."), code="already_reversed")
    return reversal(payment)
