"""Delivering a version (v1, v2, …) for the client to review, and the one under review."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.core import clock, events
from milepost.core.errors import FIELDS_INVALID, InvalidInput
from milepost.core.events import EventType
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import Milestone
from milepost.plans.permissions import require

from .. import rules
from ..markdown import render
from ..models import Delivery, Entry, Verdict
from ..selectors import decided_in, earlier_verdicts
from .common import add_entry, audit_milestone, check_files, move, target_state

_url = URLValidator(schemes=["http", "https"])


@transaction.atomic
def milestone_deliver(
    *,
    milestone: Milestone,
    actor: User,
    notes: str,
    preview_url: str = "",
    files: list | None = None,
) -> Delivery:
    """Hand a new version (v1, v2, …) to the client for review; what passed stays passed."""
    require(actor, Action.DELIVER, milestone)
    target_state(milestone, Action.DELIVER)
    errors: dict[str, list[str]] = {}
    if not (notes or "").strip():
        errors["notes"] = [_("Say what is delivered and how to test it.")]
    url = (preview_url or "").strip()
    if url:
        limit = Delivery._meta.get_field("preview_url").max_length
        try:
            _url(url)
        except ValidationError:
            errors["preview_url"] = [_("Enter an http:// or https:// address.")]
        else:
            if len(url) > limit:
                errors["preview_url"] = [_("At most %(n)s characters.") % {"n": limit}]
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    checked = check_files(files, milestone=milestone)
    before = milestone.status
    now = clock.now()
    move(milestone, Action.DELIVER, review_started_at=now, review_paused=dt.timedelta(0))
    number = (milestone.deliveries.aggregate(n=Max("number"))["n"] or 0) + 1
    delivery = Delivery.objects.create(
        milestone=milestone,
        number=number,
        notes=notes.strip(),
        notes_html=render(notes.strip()),
        preview_url=url,
        delivered_by=actor,
        created_at=now,
    )
    carried = _carry_over(milestone, delivery)
    add_entry(
        milestone,
        Entry.Kind.DELIVERY,
        author=actor,
        body=delivery.notes,
        files=checked,
        delivery=delivery,
    )
    audit_milestone(
        milestone,
        actor,
        AuditAction.MILESTONE_DELIVERED,
        target=delivery,
        before={"status": before},
        after={"status": milestone.status},
        delivery=number,
        files=[c.name for c in checked],
        carried_over=carried,
    )
    events.emit(
        EventType.MILESTONE_DELIVERED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        delivery=delivery.pk,
    )
    return delivery


def _carry_over(milestone: Milestone, delivery: Delivery) -> list[dict]:
    """Give the new delivery each verdict that carries over (``rules.carries_over``: the
    deliverable's latest verdict passed), as the client gave it: their name, time and note, with
    ``carried_from`` the verdict they gave. The others are to be tested again. Returns what was
    carried, for the delivery's audit event."""
    earlier = earlier_verdicts(milestone, delivery.number)
    carried = [
        Verdict(
            deliverable_id=verdict.deliverable_id,
            delivery=delivery,
            status=verdict.status,
            note=verdict.note,
            decided_by_id=verdict.decided_by_id,
            decided_at=verdict.decided_at,
            carried_from=verdict.carried_from if verdict.carried_from_id else verdict,
        )
        for verdict in earlier.values()
        if rules.carries_over(verdict.status)
    ]
    Verdict.objects.bulk_create(carried)
    return [
        {
            "deliverable": v.deliverable_id,
            "status": v.status,
            "from_delivery": decided_in(v),
            "decided_by": v.decided_by_id,
        }
        for v in sorted(carried, key=lambda v: v.deliverable_id)
    ]


def current_delivery(milestone: Milestone) -> Delivery | None:
    return milestone.deliveries.order_by("-number").first()
