"""``Idempotency-Key`` on every POST of the API, where DRF has said who the user is.

Every API view derives from ``api/base.py``'s classes, which mix in ``Idempotent``:
``initial`` (after authentication and the permission classes) claims the key or replays the
answer kept for it; ``finalize_response`` keeps the answer, or lets the key go after a 5xx.
``tests/api/test_idempotency.py`` walks the URL conf and fails for a POST that ignores the key.
The rules and the storage: ``core/idempotency.py``; the contract: docs/idempotency.md.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, QueryDict
from rest_framework.request import Request

from milepost.core import idempotency
from milepost.core.idempotency import HEADER, Answer, Claim

#: The answer's headers a replay repeats (the body, status and type always).
KEPT_HEADERS = ("Location", "Content-Location", "Content-Disposition")
REPLAYED = "Idempotent-Replayed"


class _Replay(Exception):
    """Raised in ``initial`` to skip the handler: the key's first answer is sent instead."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"{upload.name}:{upload.size}:{digest.hexdigest()}"


def _canonical(data: Any) -> str:
    """The body as parsed, in one spelling: JSON key order and spacing, or a form's boundary,
    do not make two sendings of the same request differ."""
    if isinstance(data, QueryDict):
        fields = [
            [name, [_file_digest(v) if isinstance(v, UploadedFile) else str(v) for v in values]]
            for name, values in sorted(data.lists())
        ]
        return json.dumps(fields, separators=(",", ":"))
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def _body(request: Request) -> bytes | str:
    """The body in one spelling, refusing nothing: a body the view will refuse (not JSON, say)
    is compared as sent, and the view answers it, after its role check."""
    if request.content_type.split(";")[0].strip() in FORMS:
        return _canonical(request.data)
    raw = request.body
    try:
        return _canonical(json.loads(raw))
    except ValueError:
        return raw


def request_fingerprint(request: Request) -> str:
    """What "the same request" means: method, path with query, and the body as parsed."""
    return idempotency.fingerprint(request.method, request.get_full_path(), _body(request))


def _replay(answer: Answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    if not answer.content_type:
        del response["Content-Type"]
    for name, value in answer.headers:
        response[name] = value
    response[REPLAYED] = "true"
    return response


def _answer_of(response) -> Answer | None:
    """What to keep of the response, or None when it cannot be replayed (a stream)."""
    if getattr(response, "streaming", False):
        return None
    if hasattr(response, "render"):
        response.render()
    headers = [[name, response[name]] for name in KEPT_HEADERS if response.has_header(name)]
    return Answer(
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=bytes(response.content),
        headers=headers,
    )


class Idempotent:
    """Mixed into every API view (``api/base.py``): honours ``Idempotency-Key`` on POST."""

    _idempotency_claim: Claim | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        raw = request.headers.get(HEADER)
        if request.method != "POST" or raw is None or not request.user.is_authenticated:
            return
        key = idempotency.key_clean(raw)
        outcome = idempotency.idempotency_claim(
            user_id=request.user.pk, key=key, fingerprint=request_fingerprint(request)
        )
        if isinstance(outcome, Answer):
            raise _Replay(outcome)
        self._idempotency_claim = outcome

    def handle_exception(self, exc: Exception):
        if isinstance(exc, _Replay):
            return _replay(exc.answer)
        try:
            response = super().handle_exception(exc)
        except BaseException:
            self._idempotency_let_go()  # an uncaught error becomes a 500: the client may retry
            raise
        if isinstance(exc, idempotency.KeyInUse):
            response["Retry-After"] = str(idempotency.RETRY_AFTER_SECONDS)
        return response

    def finalize_response(self, request: Request, response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is None:
            return response
        answer = _answer_of(response) if response.status_code < 500 else None
        if answer is None:
            idempotency.idempotency_release(claim=claim)
        else:
            idempotency.idempotency_store(claim=claim, answer=answer)
        return response

    def _idempotency_let_go(self) -> None:
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is not None:
            idempotency.idempotency_release(claim=claim)
