"""Serving uploaded files to the people who may see them, as downloads."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from milepost.reviews import selectors


@login_required
def attachment_download(request, pk: int):
    attachment = selectors.attachment_get(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
