"""The one answer to a body over a limit (413), for the middleware, the API and the webhook."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import error_body
from .uploads import format_size


def too_large_body(
    *, limit: int, sent: int | None, part: Literal["request", "upload", "fields"] = "request"
) -> dict:
    """The one 413 answer: ``payload_too_large``, what was sent (when known) and the limit.

    ``part`` is what is over: the "request", a whole "upload", or an upload's form "fields".
    """
    sizes = {"sent": format_size(sent or 0), "limit": format_size(limit)}
    if part == "upload":
        message = _(
            "The upload is too large: %(sent)s sent, at most %(limit)s at once (%(file)s MB a "
            "file, up to %(files)s files)."
        ) % {**sizes, "file": settings.MAX_UPLOAD_MB, "files": settings.MAX_FILES_PER_UPLOAD}
    elif part == "fields":
        message = _("The form fields are too large: at most %(limit)s besides the files.") % sizes
    elif sent is None:
        message = _("The request is too large: at most %(limit)s.") % sizes
    else:
        message = _("The request is too large: %(sent)s sent, at most %(limit)s.") % sizes
    details = {"limit_bytes": limit, "sent_bytes": sent}
    return error_body("payload_too_large", message, details)


def content_length(request: HttpRequest) -> int | None:
    """The body's declared size, if it declared one."""
    length = str(request.META.get("CONTENT_LENGTH") or "")
    return int(length) if length.isdigit() else None


def data_too_big_body(request: HttpRequest | None) -> dict:
    """The 413 for Django's ``RequestDataTooBig``: a body, or an upload's form fields, over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request is not None and request.content_type.startswith("multipart/"):
        return too_large_body(limit=limit, sent=None, part="fields")
    return too_large_body(limit=limit, sent=content_length(request) if request else None)
