"""Uploads over HTTP: oversize bodies refused from Content-Length before they are read (web and
API, on a real server), and files Django's parser would drop named in the error."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client

from milepost.accounts.services import api_token_create
from milepost.reviews.models import Attachment, Entry

from .conftest import PDF

MB = 1024 * 1024
BOUNDARY = "----milepost-test-boundary"


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> bytes:
    """A multipart body written by hand, so file names reach the server exactly as given."""
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{BOUNDARY}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for filename, content in files:
        parts.append(
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
FILES = [("fine.pdf", PDF), ("..", b"hello"), ("sub/notes.txt", b"hi"), (".", b"x")]


# --- refused names are named ---------------------------------------------------------------------


def test_the_web_comment_form_names_every_refused_file_and_saves_nothing(cycle):
    browser = Client()
    browser.force_login(cycle.viewer)
    body = multipart({"body": "See attached."}, FILES)
    response = browser.generic(
        "POST", f"/milestones/{cycle.m(1).pk}/comments/", body, content_type=CONTENT_TYPE
    )
    assert response.status_code == 400
    page = response.content.decode()
    for name in ("“..”", "“sub/notes.txt”", "“.”"):
        assert name in page
    assert "See attached." in page  # what the person typed is still in the form
    assert not Entry.objects.filter(kind="comment").exists()
    assert not Attachment.objects.exists()


def test_the_api_names_every_refused_file_and_saves_nothing(cycle, api_as):
    api = api_as(cycle.viewer)
    body = multipart({"body": "See attached."}, FILES)
    response = api.generic(
        "POST", f"/api/v1/milestones/{cycle.m(1).pk}/comments/", body, content_type=CONTENT_TYPE
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert len(error["details"]["files"]) == 3
    for name in ("“..”", "“sub/notes.txt”", "“.”"):
        assert name in error["message"]
    assert not Entry.objects.filter(kind="comment").exists()


def test_form_fields_over_the_limit_in_an_upload_are_the_same_413(cycle, api_as, settings):
    """An upload may be large; its text fields may not (Django's limit, not the middleware's)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = multipart({"body": "x" * 4096}, [("fine.pdf", PDF)])
    response = api_as(cycle.viewer).generic(
        "POST", f"/api/v1/milestones/{cycle.m(1).pk}/comments/", body, content_type=CONTENT_TYPE
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": "The form fields are too large: at most 1 KB besides the files.",
        "details": {"limit_bytes": 1024, "sent_bytes": None},
    }
    assert not Entry.objects.filter(kind="comment").exists()


def test_a_file_input_left_empty_is_not_a_refused_file(cycle):
    browser = Client()
    browser.force_login(cycle.viewer)
    body = multipart({"body": "No file this time."}, [("", b"")])
    response = browser.generic(
        "POST", f"/milestones/{cycle.m(1).pk}/comments/", body, content_type=CONTENT_TYPE
    )
    assert response.status_code == 302
    assert Entry.objects.get(kind="comment").body == "No file this time."


# --- oversize bodies, on a real server -----------------------------------------------------------


def send_headers_only(
    url: str, path: str, length: int, extra: str = "", timeout: float = 5
) -> tuple[float, bytes]:
    """Send a request's headers announcing ``length`` bytes, none of the body, and wait for the
    answer: the seconds it took and what came back."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        started = time.perf_counter()
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
                f"Content-Type: {CONTENT_TYPE}\r\nContent-Length: {length}\r\n{extra}\r\n"
            ).encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not _complete(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return time.perf_counter() - started, answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


CSRF = "a" * 32


def credentials(kind: str, user) -> str:
    """Headers that get past login (and CSRF), so the request reaches the upload itself."""
    if kind == "api":
        _, raw = api_token_create(user=user, actor=user)
        return f"Authorization: Bearer {raw}\r\n"
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value
    return f"Cookie: sessionid={session}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n"


def comments_path(kind: str, milestone) -> str:
    prefix = "/api/v1" if kind == "api" else ""
    return f"{prefix}/milestones/{milestone.pk}/comments/"


@pytest.mark.parametrize("kind", ["web", "api"])
def test_a_300_mb_body_is_refused_before_a_byte_of_it_is_sent(live_server, cycle, kind):
    milestone = cycle.m(1)
    seconds, answer = send_headers_only(
        live_server.url, comments_path(kind, milestone), 300 * MB, credentials(kind, cycle.viewer)
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert seconds < 2, seconds  # the server did not wait for 300 MB that never came
    print(f"\n{kind}: 413 for a 300 MB Content-Length after {seconds * 1000:.1f} ms")
    if kind == "api":
        assert b"application/json" in head
        error = json.loads(body)["error"]
        assert error["code"] == "payload_too_large"
        assert "251 MB" in error["message"]
        assert error["details"] == {"limit_bytes": 251 * MB, "sent_bytes": 300 * MB}
    else:
        assert b"text/html" in head
        assert b"251 MB" in body
        assert b"Too large" in body
    assert not Entry.objects.filter(kind="comment").exists()


@pytest.mark.parametrize("kind", ["web", "api"])
def test_a_body_within_the_limit_is_read_as_before(live_server, cycle, settings, kind):
    settings.MAX_REQUEST_MB = 1
    # Headers announcing a bit less than the limit: the server waits for the body (we never
    # send it, so the read times out) instead of refusing it.
    with pytest.raises(TimeoutError):
        send_headers_only(
            live_server.url,
            comments_path(kind, cycle.m(1)),
            MB - 100,
            credentials(kind, cycle.viewer),
            timeout=1,
        )
