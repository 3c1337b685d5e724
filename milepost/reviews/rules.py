"""Pure rules of the review cycle (no ORM): what a new delivery keeps of the last checklist."""

from __future__ import annotations

from collections.abc import Iterable

PASSED = "passed"
FAILED = "failed"
UNTESTED = "untested"


def carries_over(earlier_status: str | None) -> bool:
    """On a new delivery, a deliverable that passed stays passed until the client changes it;
    one that failed (or was never tested) goes back to be tested."""
    return earlier_status == PASSED


def feedback_draft(failed: Iterable[tuple[str, str]]) -> str:
    """ "What should change?" drafted from the failed items: one Markdown line each, the title and
    the client's note (``failed`` is ``(title, note)`` pairs)."""
    lines = []
    for title, note in failed:
        note = " ".join((note or "").split())
        lines.append(f"- **{title}**: {note}" if note else f"- **{title}**")
    return "\n".join(lines)
