"""The plan as a PDF, laid out like the browser's print of the plan page (the web's
``web/project_print.html``) by ``core.pdf``."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import override

from milepost.core.pdf import language_tag, write_pdf


def proposal_html(project) -> str:
    """The printable plan (web/project_print.html) in the client's language."""
    milestones = list(project.milestones.all())
    context = {
        "project": project,
        "milestones": milestones,
        "allocated_budget": sum((m.budget for m in milestones), start=0),
        # A contact's copy of a plan being revised (plans.proposals.show_proposal) says so.
        "shows_proposal": hasattr(project, "shown_proposal"),
    }
    language = getattr(project.client, "language", "") or settings.LANGUAGE_CODE
    with override(language_tag(language)):
        return render_to_string("web/project_print.html", context)


def proposal_pdf(project) -> bytes:
    """The plan as a plain PDF, laid out like the browser's print of the plan page."""
    return write_pdf(proposal_html(project))
