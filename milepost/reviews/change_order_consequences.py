"""What a change order does to the money, and what proposing, accepting, declining and withdrawing
it will do: said before it is taken, for the web's dialogs (as ``reviews.consequences`` does for
the plan and the review cycle). Nothing here writes.

The figures are those the client is asked to sign: a proposed or answered change order's come from
its last proposal (``ChangeOrderProposal.snapshot``), a draft's from ``plans.changes`` applied to
the plan now (``Money.of_outcome``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from milepost.plans import changes
from milepost.plans.lifecycle.change_order import ChangeOrderStatus
from milepost.plans.models import AccessRole, ChangeOrder, ProjectAccess

from .consequences import Consequence, _money


@dataclass(frozen=True)
class Money:
    """The totals before and after a change order, and what of its price is invoiced (or
    credited, when negative) at once because its milestone was invoiced already."""

    currency: str
    total_before: Decimal
    total_after: Decimal
    at_once: Decimal = Decimal(0)

    @property
    def price(self) -> Decimal:
        return self.total_after - self.total_before

    @property
    def later(self) -> Decimal:
        """What is billed with its milestones, as usual."""
        return self.price - self.at_once

    @classmethod
    def of_outcome(cls, before: changes.Plan, after: changes.Plan) -> Money:
        moved = sum(
            (amount for _stage, amount in changes.invoiced_at_once(before, after)), Decimal(0)
        )
        return cls(before.currency, before.total, after.total, moved)

    @classmethod
    def of_snapshot(cls, snapshot: dict[str, Any], currency: str) -> Money | None:
        try:
            moved = sum(
                (Decimal(item["amount"]) for item in snapshot.get("invoiced_at_once", [])),
                Decimal(0),
            )
            return cls(
                currency, Decimal(snapshot["total_before"]), Decimal(snapshot["total_after"]), moved
            )
        except (KeyError, TypeError, ArithmeticError):
            return None

    def signed(self, amount: Decimal) -> str:
        return signed_money(amount, self.currency)


MINUS = "\N{MINUS SIGN}"


def signed_money(amount: Decimal, currency: str) -> str:
    """An amount with its sign, for a change: "+€600.00", "\N{MINUS SIGN}€200.00", "€0.00"."""
    text = _money(abs(amount), currency)
    return f"+{text}" if amount > 0 else f"{MINUS}{text}" if amount < 0 else text


def money_lines(money: Money, *, status: str = ChangeOrderStatus.PROPOSED) -> list[str]:
    """What the change order does to the money, said as its ``status`` has it: "The total
    becomes €13,200.00 (+€600.00); €600.00 will be invoiced on acceptance." while it is a draft
    or waits, what it did once accepted, and what it would have done once declined or
    withdrawn (nothing was invoiced)."""
    if status in NOT_TAKEN:
        return [
            _not_taken(money, status),
            _("Nothing was invoiced for it."),
            _("Amounts before tax."),
        ]
    done = status == ChangeOrderStatus.ACCEPTED
    after = _money(money.total_after, money.currency)
    if not money.price:
        head = (_("The total stayed %(total)s.") if done else _("The total stays %(total)s.")) % {
            "total": after
        }
    else:
        head = (
            _("The total became %(total)s (%(price)s).")
            if done
            else _("The total becomes %(total)s (%(price)s).")
        ) % {"total": after, "price": money.signed(money.price)}
    lines = [head]
    at_once = _money(abs(money.at_once), money.currency)
    if money.at_once > 0:
        lines.append(
            (
                _("%(amount)s was invoiced on acceptance, for work already invoiced.")
                if done
                else _("%(amount)s will be invoiced on acceptance, for work already invoiced.")
            )
            % {"amount": at_once}
        )
    elif money.at_once < 0:
        lines.append(
            (
                _("A credit note for %(amount)s was issued on acceptance.")
                if done
                else _("A credit note for %(amount)s will be issued on acceptance.")
            )
            % {"amount": at_once}
        )
    if money.later and money.at_once:
        lines.append(
            _("The rest (%(amount)s) is billed with its milestones, as usual.")
            % {"amount": money.signed(money.later)}
        )
    elif money.later:
        lines.append(_("Nothing is invoiced at once: each milestone is billed as usual."))
    lines.append(_("Amounts before tax."))
    return lines


#: The states of a change order the client never signed: what it says of the money is a "would".
NOT_TAKEN = frozenset({ChangeOrderStatus.DECLINED, ChangeOrderStatus.WITHDRAWN})


def _not_taken(money: Money, status: str) -> str:
    facts = {"total": _money(money.total_after, money.currency), "price": money.signed(money.price)}
    if status == ChangeOrderStatus.DECLINED:
        if not money.price:
            return _("It was declined: the total would have stayed %(total)s.") % facts
        return _("It was declined: it would have made the total %(total)s (%(price)s).") % facts
    if not money.price:
        return _("It was withdrawn: the total would have stayed %(total)s.") % facts
    return _("It was withdrawn: it would have made the total %(total)s (%(price)s).") % facts


def _approvers(change_order: ChangeOrder) -> list[str]:
    return list(
        ProjectAccess.objects.filter(project_id=change_order.project_id, role=AccessRole.APPROVER)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def proposing(change_order: ChangeOrder, money: Money) -> Consequence:
    """Proposing: who is asked, the money, and that no other one can be proposed meanwhile."""
    project = change_order.project
    approvers = _approvers(change_order)
    lines = [
        _("Proposing sends %(co)s “%(title)s” to %(client)s.")
        % {"co": change_order.label, "title": change_order.title, "client": project.client.name}
    ]
    if approvers:
        lines.append(
            _(
                "Its approvers (%(who)s) are told by email and can accept it, which makes plan "
                "v%(n)s, or decline it with their reasons."
            )
            % {"who": ", ".join(approvers), "n": project.plan_version + 1}
        )
    else:
        lines.append(
            _("Nobody can accept it yet: give a contact of %(client)s approver access.")
            % {"client": project.client.name}
        )
    lines += money_lines(money)
    lines.append(
        _(
            "While it waits, it cannot be edited and no other change order can be proposed; "
            "you can withdraw it."
        )
    )
    return Consequence("propose_change_order", lines, {"approvers": approvers})


def accepting(change_order: ChangeOrder, money: Money) -> Consequence:
    """Accepting: the next plan version, the money, and that it is final."""
    n = change_order.project.plan_version + 1
    lines = [
        _(
            "Accepting %(co)s makes plan v%(n)s: its changes apply at once, and every earlier "
            "version is kept."
        )
        % {"co": change_order.label, "n": n},
        *money_lines(money),
        _("An accepted change order cannot be undone: a later change needs a new change order."),
    ]
    return Consequence(
        "accept_change_order",
        lines,
        {"plan_version": n, "total_after": str(money.total_after), "at_once": str(money.at_once)},
    )


def declining(change_order: ChangeOrder) -> Consequence:
    lines = [
        _(
            "The plan stays v%(n)s. %(org)s is told your reasons and can revise %(co)s and "
            "propose it again."
        )
        % {
            "n": change_order.project.plan_version,
            "org": change_order.project.organisation.name,
            "co": change_order.label,
        }
    ]
    return Consequence("decline_change_order", lines)


def withdrawing(change_order: ChangeOrder) -> Consequence:
    lines = [
        _(
            "The client can no longer accept %(co)s. This proposal stays on record; you can "
            "revise it and propose it again."
        )
        % {"co": change_order.label}
    ]
    return Consequence("withdraw_change_order", lines)


def deleting(change_order: ChangeOrder) -> Consequence:
    lines = [
        _(
            "%(co)s was never proposed, so the client has not seen it. It is deleted with its "
            "changes; the activity log keeps a line saying so."
        )
        % {"co": change_order.label}
    ]
    return Consequence("delete_change_order", lines)
