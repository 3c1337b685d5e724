"""PDFs laid out from HTML by WeasyPrint, offline: invoices (``billing.pdf``) and the plan
(``plans.pdf``) are written with ``write_pdf``.

Rendering never touches the network: the URL fetcher serves ``data:`` URLs, static files
(``{% static %}`` URLs, through the storage or the finders) and local fonts, and refuses everything
else. Fonts come from fontconfig: DejaVu, from Debian's fonts-dejavu-core
(``scripts/system-packages.sh`` installs it).
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

# WeasyPrint logs seven "Step n" lines at INFO for every PDF: keep them out of the INFO logs
# unless the LOGGING setting gives the logger a level of its own.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
BASE_URL = "file:///"  # "/static/…" from {% static %} becomes file:///static/…, mapped below


def _static_path(url_path: str) -> Path | None:
    """The local file behind a ``STATIC_URL`` path (collected, or found in the app folders)."""
    prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/"
    if not url_path.startswith(prefix):
        return None
    name = url_path[len(prefix) :]
    if ".." in Path(name).parts:
        return None
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    except NotImplementedError:  # a remote storage has no local path
        pass
    found = finders.find(name)
    return Path(found) if found else None


def _local_file(url: str) -> Path | None:
    path = unquote(urlsplit(url).path)
    static = _static_path(path)
    if static is not None:
        return static
    candidate = Path(path).resolve()
    if any(candidate.is_relative_to(root) for root in FONT_DIRS) and candidate.is_file():
        return candidate
    return None


def _fetcher():
    """A WeasyPrint URL fetcher that reads static files and fonts and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = _local_file(url)
                if path is not None:
                    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
                    )
            raise ValueError(f"Not fetched (PDFs use local static files only): {url}")

    return LocalOnlyFetcher(allowed_protocols=("data", "file"))


def write_pdf(html: str, **options) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf(**options)


def language_tag(code: str) -> str:
    """The document's language as a tag (``de-ch``): ``code``, or ``LANGUAGE_CODE`` without one."""
    return (code or settings.LANGUAGE_CODE).replace("_", "-")
