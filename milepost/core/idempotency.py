"""Idempotency keys: a request sent again with the same key gets the first answer, not a rerun.

The storage behind the API's ``Idempotency-Key`` header (``api/idempotency.py`` reads the header
and calls these). A key is claimed by inserting its row, ``running``, in a short transaction of
its own: the unique (user, key) constraint lets one request in and turns the others away. The work
then runs in its own transactions, and its answer is stored on the row for ``TTL``. See
docs/idempotency.md and decision D30.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from . import clock
from .errors import ApplicationError, InvalidInput, RuleViolation
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
#: How long an answer is kept and replayed, from the first request.
TTL = dt.timedelta(hours=24)
#: A claim still running after this long is taken to be a crashed worker's, and taken over.
STALE_AFTER = dt.timedelta(minutes=5)
#: How long a client is asked to wait before asking again while the first request runs.
RETRY_AFTER_SECONDS = 1


class KeyInvalid(InvalidInput):
    """The header is empty, too long or not printable (400): nothing ran."""

    default_code = "idempotency_key_invalid"


class KeyInUse(RuleViolation):
    """The first request with this key is still running (409): ask again in a moment."""

    default_code = "idempotency_key_in_use"


class KeyReused(ApplicationError):
    """The key was used for a different request (422): a new request needs a new key."""

    status = 422
    default_code = "idempotency_key_reused"


@dataclass(frozen=True)
class Claim:
    """This request holds the key: it runs, then stores its answer or lets the key go."""

    pk: int
    claimed_at: dt.datetime


@dataclass(frozen=True)
class Answer:
    """The answer the first request got, to be replayed."""

    status: int
    content_type: str
    body: bytes
    headers: list[list[str]]


def key_clean(raw: str) -> str:
    """The key as sent (quotes of the IETF draft's string form removed), or 400."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    problem = None
    if not key:
        problem = _("The Idempotency-Key header is empty.")
    elif len(key) > MAX_LENGTH:
        problem = _("The Idempotency-Key header is longer than 255 characters.")
    elif not all(" " <= c <= "~" for c in key):
        problem = _("The Idempotency-Key header may hold only printable ASCII characters.")
    if problem is not None:
        raise KeyInvalid(str(problem), details={HEADER: [str(problem)]})
    return key


def fingerprint(*parts: bytes | str) -> str:
    """SHA-256 over the parts of a request, each length-prefixed so they cannot run together."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(f"{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def _answer(row: IdempotencyKey) -> Answer:
    return Answer(row.status or 0, row.content_type, bytes(row.body), list(row.headers))


def _insert(user_id: int, key: str, fp: str, now: dt.datetime) -> Claim | None:
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                user_id=user_id, key=key, fingerprint=fp, created_at=now, claimed_at=now
            )
    except IntegrityError:
        return None
    return Claim(row.pk, now)


def idempotency_claim(*, user_id: int, key: str, fingerprint: str) -> Claim | Answer:
    """Claim ``key`` for this request, or return the answer its first request got.

    Raises ``KeyReused`` (422) when the key came with another request, ``KeyInUse`` (409) while
    the first request runs. An expired key is as good as new; a claim running longer than
    ``STALE_AFTER`` is taken over.
    """
    for _attempt in range(3):
        now = clock.now()
        row = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if row is None:
            claim = _insert(user_id, key, fingerprint, now)
            if claim is not None:
                return claim
            continue  # another request inserted it first: read what it holds
        if row.created_at <= now - TTL:
            IdempotencyKey.objects.filter(pk=row.pk, created_at=row.created_at).delete()
            continue
        if row.fingerprint != fingerprint:
            raise KeyReused(
                str(_("This Idempotency-Key was used for a different request.")),
                details={HEADER: [str(_("Send a new key with a new request."))]},
            )
        if row.state == IdempotencyKey.State.DONE:
            return _answer(row)
        if row.claimed_at <= now - STALE_AFTER:
            taken = IdempotencyKey.objects.filter(
                pk=row.pk, state=IdempotencyKey.State.RUNNING, claimed_at=row.claimed_at
            ).update(claimed_at=now)
            if taken:
                return Claim(row.pk, now)
            continue
        break
    raise KeyInUse(
        str(_("A request with this Idempotency-Key is still running: ask again in a moment.")),
        details={"retry_after": RETRY_AFTER_SECONDS},
    )


def idempotency_store(*, claim: Claim, answer: Answer) -> bool:
    """Keep the answer for repeats; False when a takeover took the key meanwhile."""
    return bool(
        IdempotencyKey.objects.filter(
            pk=claim.pk, state=IdempotencyKey.State.RUNNING, claimed_at=claim.claimed_at
        ).update(
            state=IdempotencyKey.State.DONE,
            status=answer.status,
            content_type=answer.content_type,
            body=answer.body,
            headers=answer.headers,
        )
    )


def idempotency_release(*, claim: Claim) -> None:
    """Let the key go (the request failed on the server's side): a retry runs it afresh."""
    IdempotencyKey.objects.filter(
        pk=claim.pk, state=IdempotencyKey.State.RUNNING, claimed_at=claim.claimed_at
    ).delete()


def idempotency_keys_purge(now: dt.datetime | None = None) -> int:
    """Delete the keys past ``TTL`` (the scheduler's tick); return how many."""
    now = now or clock.now()
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lte=now - TTL).delete()
    return deleted
