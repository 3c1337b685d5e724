"""Check that no audit event was altered, removed or reordered."""

from __future__ import annotations

from dataclasses import dataclass

from .chain import chain_key, event_hash
from .models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_event_id: int | None = None
    broken_chain: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def verify_chains(*, organisation_id: int | None = None) -> ChainReport:
    """Walk every chain (or one organisation's) in sequence order and recompute each hash."""
    heads = AuditChainHead.objects.order_by("chain")
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    chains |= set(heads.values_list("chain", flat=True))
    if organisation_id is not None:
        chains = {chain_key(organisation_id)} & chains
    checked = 0
    for chain in sorted(chains):
        report = _verify_one(chain)
        checked += report.checked
        if not report.ok:
            return ChainReport(checked, report.broken_event_id, chain, report.reason)
    return ChainReport(checked)


def _verify_one(chain: str) -> ChainReport:
    prev_hash, expected_sequence, checked = GENESIS_HASH, 1, 0
    events = AuditEvent.objects.filter(chain=chain).order_by("sequence")
    for event in events.iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                event.pk,
                chain,
                f"expected sequence {expected_sequence}, found "
                f"{event.sequence}: an event was removed or reordered",
            )
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.pk, chain, "link to the previous event is broken")
        recomputed = event_hash(
            prev_hash=event.prev_hash,
            chain=event.chain,
            sequence=event.sequence,
            created_at=event.created_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            project_id=event.project_id,
            data=event.data,
        )
        if recomputed != event.hash:
            return ChainReport(checked, event.pk, chain, "content does not match its hash")
        prev_hash, expected_sequence = event.hash, expected_sequence + 1
        checked += 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is None and checked:
        # audit_record() creates the head before the first event: a missing head was removed.
        return ChainReport(checked, None, chain, "the chain's head record is missing")
    if head is not None and (head.last_sequence, head.last_hash) != (checked, prev_hash):
        return ChainReport(
            checked,
            None,
            chain,
            f"chain ends at #{checked} but its head records #{head.last_sequence}: "
            "events at the end were removed",
        )
    return ChainReport(checked)
