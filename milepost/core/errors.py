"""Errors raised by services, and the one JSON shape every error answer has.

Every refusal carries a stable ``code`` (documented in PRODUCT.md, "Errors") and a message a
person can read. HTTP status follows the kind of refusal, not the code. The API, the webhooks and
the JSON 404/500 all answer with ``error_body``: ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape: ``{"error": {"code", "message", "details"}}``."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


class ApplicationError(Exception):
    """A refusal by the domain: nothing was changed."""

    status = 409
    default_code = "conflict"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


#: What a 400 with ``details`` says as a whole, in the web and the API alike.
FIELDS_INVALID = gettext_lazy("Some fields are not valid: each one says why.")


class InvalidInput(ApplicationError):
    """A field is missing or invalid (400); ``details`` maps field names to messages."""

    status = 400
    default_code = "invalid"


class NotFound(ApplicationError):
    """The object does not exist or is not visible to the actor (404)."""

    status = 404
    default_code = "not_found"


class NotAllowed(ApplicationError):
    """The object is visible but the actor's role does not allow the action (403)."""

    status = 403
    default_code = "permission_denied"


class RuleViolation(ApplicationError):
    """A business rule refused the action (409): wrong state, quota, gating, conflict."""

    status = 409
    default_code = "conflict"
