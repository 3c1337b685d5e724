"""One POST to a checked address: 10 s timeout, no redirects, at most 64 KiB of answer read."""

from __future__ import annotations

from dataclasses import dataclass

import urllib3

from .urlcheck import Target

TIMEOUT_SECONDS = 10.0
READ_LIMIT = 64 * 1024
USER_AGENT = "Milepost-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def post(target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``target.address`` (the address the guard checked, never a new lookup).

    https verifies the certificate against the URL's host name (SNI and hostname check).
    Raises ``urllib3.exceptions.HTTPError`` or ``OSError`` on a network failure.
    """
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS, total=TIMEOUT_SECONDS)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Host": target.host_header,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            data = response.read(READ_LIMIT, decode_content=False) or b""
        finally:
            response.release_conn()
        return Answer(status=response.status, body=data)
    finally:
        pool.close()
