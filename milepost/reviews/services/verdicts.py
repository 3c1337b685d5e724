"""Testing a delivery: a verdict per deliverable, and the checklist they make."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.core import clock
from milepost.core.errors import InvalidInput
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import Deliverable, Milestone
from milepost.plans.permissions import require

from ..models import Delivery, Entry, Verdict
from ..selectors import checklist_of, decided_in
from .common import add_entry, audit_milestone, target_state
from .delivery import current_delivery


@transaction.atomic
def deliverable_verdict(
    *, deliverable: Deliverable, actor: User, status: str, note: str = ""
) -> Verdict:
    """The approver marks one deliverable of the delivery under review passed or failed."""
    milestone = deliverable.milestone
    require(actor, Action.VERDICT, milestone)
    if status not in Verdict.Status.values:
        raise InvalidInput(
            _("Choose passed or failed."), details={"status": [_("Choose passed or failed.")]}
        )
    fresh = Milestone.objects.select_for_update().get(pk=milestone.pk)
    target_state(fresh, Action.VERDICT)
    delivery = current_delivery(fresh)
    was = (
        Verdict.objects.filter(deliverable=deliverable, delivery=delivery)
        .select_related("carried_from__delivery")
        .first()
    )
    verdict, _created = Verdict.objects.update_or_create(
        deliverable=deliverable,
        delivery=delivery,
        defaults={
            "status": status,
            "note": (note or "").strip(),
            "decided_by": actor,
            "decided_at": clock.now(),
            # Set by the client now, even when it stays passed.
            "carried_from": None,
        },
    )
    label = Verdict.Status(status).label
    add_entry(
        fresh,
        Entry.Kind.VERDICT,
        author=actor,
        body=f"**{deliverable.title}**: {label}" + (f" — {verdict.note}" if verdict.note else ""),
    )
    audit_milestone(
        fresh,
        actor,
        AuditAction.DELIVERABLE_VERDICT,
        target=verdict,
        deliverable=deliverable.pk,
        deliverable_title=deliverable.title,
        delivery=delivery.number,
        **({"before": _before(was)} if was else {}),
        after={"status": status, "note": verdict.note},
    )
    return verdict


def _before(verdict: Verdict) -> dict[str, Any]:
    """What the verdict was before the client changed it: carried over, or theirs."""
    before: dict[str, Any] = {"status": verdict.status, "note": verdict.note}
    if verdict.carried_from_id:
        before["carried_from"] = decided_in(verdict)
    return before


def checklist(milestone: Milestone, delivery: Delivery | None) -> list[dict[str, Any]]:
    """Each deliverable with its verdict on ``delivery`` (``untested`` when none), the delivery
    it was carried over from, and its latest verdict on an earlier delivery."""
    return [row.as_json() for row in checklist_of(milestone, delivery)]
