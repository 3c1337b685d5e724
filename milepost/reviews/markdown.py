"""Markdown for feedback and comments, rendered to sanitised HTML."""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from markdown.extensions.toc import TocExtension

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render(text: str) -> str:
    """Markdown → HTML with no script, no event handlers, and only http(s)/mailto links."""
    # Headings start at h3, below the page's own: "# Fixed" is a heading, not a bare line.
    extensions = ["fenced_code", "tables", "sane_lists", TocExtension(baselevel=3)]
    html = markdown_lib.markdown(text or "", extensions=extensions)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
