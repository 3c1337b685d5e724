import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from milepost.core.request_size import content_length, too_large_body

from .exceptions import PayloadTooLarge


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (it reads the stream
    directly, so Django's own limit on ``request.body`` does not apply)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = content_length(request) if request is not None else None
        if length is not None and length > limit:
            raise PayloadTooLarge(too_large_body(limit=limit, sent=length))
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(too_large_body(limit=limit, sent=None))
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except ParseError:
            raise ParseError("The request body is not valid JSON.") from None
