"""Send an email rendered from a text and an HTML template."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)


def absolute_url(viewname: str, *args: Any) -> str:
    """Build a link for an email, from SITE_URL (emails have no request to ask)."""
    return settings.SITE_URL + reverse(viewname, args=args)


def send_templated_mail(
    *, to: list[str], subject: str, template: str, context: dict[str, Any], language: str = ""
) -> bool:
    """Render ``template``.txt and .html and send them; log and return False on failure.

    A mail server that is down must never undo the action that caused the email.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("Could not send %r to %s", subject, to)
        return False
    return True
