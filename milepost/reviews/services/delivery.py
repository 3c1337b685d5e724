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
from milepost.core.errors import InvalidInput
from milepost.core.events import EventType
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import Milestone
from milepost.plans.permissions import require

from ..models import Delivery, Entry
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
    """Hand a new version (v1, v2, …) to the client for review."""
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
        raise InvalidInput(_("Please correct the highlighted fields."), details=errors)
    checked = check_files(files, milestone=milestone)
    before = milestone.status
    now = clock.now()
    move(milestone, Action.DELIVER, review_started_at=now, review_paused=dt.timedelta(0))
    number = (milestone.deliveries.aggregate(n=Max("number"))["n"] or 0) + 1
    delivery = Delivery.objects.create(
        milestone=milestone,
        number=number,
        notes=notes.strip(),
        preview_url=url,
        delivered_by=actor,
        created_at=now,
    )
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
    )
    events.emit(
        EventType.MILESTONE_DELIVERED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        delivery=delivery.pk,
    )
    return delivery


def current_delivery(milestone: Milestone) -> Delivery | None:
    return milestone.deliveries.order_by("-number").first()
