"""Checking uploaded files: size, a safe name, and a type proven by the content."""

from __future__ import annotations

import os
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from milepost.core.errors import InvalidInput

#: Binary types we accept: extension → MIME type. The content must match the extension.
BINARY_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
}
#: Text types have no signature: they must decode as UTF-8 and contain no NUL byte.
TEXT_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".log": "text/plain",
}
#: Formats that share a container with another one (a .docx is a zip).
SAME_AS = {
    ".jpeg": {".jpg"},
    ".jpg": {".jpeg"},
    ".zip": {".docx", ".xlsx", ".pptx", ".jar", ".odt", ".ods", ".apk"},
}


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, details={field: [message]})


def check_upload(upload: UploadedFile, field: str = "files") -> CheckedFile:
    """Return the file with a safe name and its real type, or refuse it with a clear reason."""
    raw_name = upload.name or ""
    if raw_name.strip() in {"", ".", ".."}:
        raise _refuse(field, _("“%(name)s” is not a file name.") % {"name": raw_name})
    if "/" in raw_name or "\\" in raw_name:
        raise _refuse(
            field, _("“%(name)s”: a file name cannot contain folders.") % {"name": raw_name}
        )
    try:
        name = get_valid_filename(raw_name)[:200]
    except SuspiciousFileOperation:  # nothing usable is left of the name ("***")
        raise _refuse(
            field, _("“%(name)s”: choose a file name with letters or digits.") % {"name": raw_name}
        ) from None
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise _refuse(
            field,
            _("“%(name)s” is larger than %(mb)s MB.")
            % {"name": name, "mb": settings.MAX_UPLOAD_MB},
        )
    if upload.size == 0:
        raise _refuse(field, _("“%(name)s” is empty.") % {"name": name})
    extension = os.path.splitext(name)[1].lower()
    head = upload.read(8192)
    upload.seek(0)
    if extension in TEXT_TYPES:
        if b"\0" in head or not _is_utf8(head, cut=upload.size > len(head)):
            raise _refuse(field, _("“%(name)s” is not a text file.") % {"name": name})
        return CheckedFile(upload, name, TEXT_TYPES[extension], upload.size)
    if extension not in BINARY_TYPES:
        allowed = ", ".join(sorted(set(BINARY_TYPES) | set(TEXT_TYPES)))
        raise _refuse(
            field,
            _("“%(name)s”: this type of file is not accepted. Accepted: %(types)s.")
            % {"name": name, "types": allowed},
        )
    try:
        detected = {m.extension.lower() for m in puremagic.magic_string(head)}
    except puremagic.PureError:
        detected = set()
    if extension not in detected and not (SAME_AS.get(extension, set()) & detected):
        raise _refuse(
            field,
            _("“%(name)s”: its content is not a %(ext)s file.")
            % {"name": name, "ext": extension[1:].upper()},
        )
    return CheckedFile(upload, name, BINARY_TYPES[extension], upload.size)


def _is_utf8(head: bytes, *, cut: bool) -> bool:
    """``head`` decodes as UTF-8; when the sample is ``cut`` short of the file's end, a character
    split at the very end of the sample is fine (the rest of it follows in the file)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return cut and exc.reason == "unexpected end of data" and exc.start >= len(head) - 3
    return True
