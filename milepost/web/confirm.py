"""Asking before a binding action: the dialog's answer, or the page that asks without JS.

A form that asks first carries ``confirm=ask`` and names its ``<dialog>`` (``data-confirm``).
With JavaScript (``static/web/confirm.js``) the dialog states the consequence and, once
confirmed, sends ``confirm=yes``. Without it the form arrives still asking, and the view answers
with ``confirm_page``: the same consequence and a button that sends the same fields again,
confirmed. A request without the field (the API's clients, scripts) is not asked.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import render

ASK = "ask"
FIELD = "confirm"
NOT_CARRIED = {"csrfmiddlewaretoken", FIELD}


def asks(request) -> bool:
    """Whether the form arrived still asking (no dialog confirmed it)."""
    return request.method == "POST" and request.POST.get(FIELD) == ASK


def confirm_page(request, said: Any, *, title: str, label: str, back: str, danger: bool = False):
    """The consequence and a button that posts the same fields again, confirmed."""
    fields = [
        (name, value)
        for name in request.POST
        if name not in NOT_CARRIED
        for value in request.POST.getlist(name)
    ]
    context = {
        "said": said,
        "title": title,
        "label": label,
        "back": back,
        "danger": danger,
        "fields": fields,
        "files": bool(request.FILES),
        "action": request.path,
    }
    return render(request, "web/confirm.html", context)
