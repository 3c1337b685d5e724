"""Renderers beyond JSON: the invoice PDF, so a client sending ``Accept: application/pdf`` is
answered (errors are JSON whatever was asked for, see ``errors.exception_handler``)."""

from rest_framework import renderers


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        """The view answers the PDF itself; this only names the type for negotiation."""
        return data if isinstance(data, bytes) else b""
