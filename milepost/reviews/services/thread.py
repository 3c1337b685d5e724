"""The conversation on a milestone: comments from both sides, with files."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.core.errors import InvalidInput
from milepost.plans.lifecycle.milestone import MilestoneAction
from milepost.plans.models import Milestone
from milepost.plans.permissions import require

from ..models import Entry
from .common import add_entry, check_files, target_state


@transaction.atomic
def comment_add(
    *, milestone: Milestone, actor: User, body: str, files: list | None = None
) -> Entry:
    """Anyone who sees the project may comment (Markdown, rendered safely)."""
    require(actor, MilestoneAction.COMMENT, milestone)
    target_state(milestone, MilestoneAction.COMMENT)
    text = (body or "").strip()
    if not text:
        raise InvalidInput(
            _("Write a comment first."), details={"body": [_("This field is required.")]}
        )
    if len(text) > 20000:
        raise InvalidInput(
            _("At most 20,000 characters."), details={"body": [_("At most 20,000 characters.")]}
        )
    checked = check_files(files, milestone=milestone)
    return add_entry(milestone, Entry.Kind.COMMENT, author=actor, body=text, files=checked)
