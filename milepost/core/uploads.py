"""Reading uploads: keep the files Django's parser would drop or rename, so they can be refused
by name, and show sizes to people."""

from __future__ import annotations

import html
import io

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.utils.encoding import force_str

_MARK = "\x00refused-"  # the parser's own names are printable: this cannot be a real name


class RefusedUpload(UploadedFile):
    """A file sent with a name that is no file name (``..``) or has folders in it."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(file=io.BytesIO(), size=size)
        self._name = name  # as sent: UploadedFile would cut it to its base name


class _NamingParser(MultiPartParser):
    """Django's parser, except that a file it would drop (``..``) or cut to its base name
    (``sub/notes.txt``) comes out as a ``RefusedUpload`` under its own field."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._refused: dict[str, str] = {}

    def sanitize_file_name(self, file_name: str) -> str | None:
        clean = super().sanitize_file_name(file_name)
        sent = html.unescape(file_name)
        if clean is not None and "/" not in sent and "\\" not in sent:
            return clean
        mark = f"{_MARK}{len(self._refused)}"
        self._refused[mark] = "".join(c for c in sent if c.isprintable())
        return mark

    def handle_file_complete(self, old_field_name, counters) -> None:
        super().handle_file_complete(old_field_name, counters)
        field = force_str(old_field_name, self._encoding, errors="replace")
        files = self._files.getlist(field)
        if files and files[-1].name in self._refused:
            last = files.pop()
            last.close()
            files.append(RefusedUpload(self._refused[last.name], last.size))
            self._files.setlist(field, files)


class NamingUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: parses the body with ``_NamingParser`` (handing the
    file data to the other handlers), for pages and the API alike."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        others = [h for h in self.request.upload_handlers if h is not self]
        return _NamingParser(META, input_data, others, encoding).parse()

    def receive_data_chunk(self, raw_data, start):  # pragma: no cover - never asked
        return raw_data

    def file_complete(self, file_size):  # pragma: no cover - never asked
        return None


def format_size(size: int) -> str:
    """``600 KB``, ``1 MB``, ``1.5 GB``: binary units, at most one decimal, no ``.0``."""
    value, unit = float(size), "bytes"
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            break
        value /= 1024
    if unit == "bytes":
        return f"{size} bytes"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}"
