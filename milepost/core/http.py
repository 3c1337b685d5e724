"""The client's address, taken from a proxy header only when the proxies are trusted."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the person's side of the connection.

    By default the socket's peer (``REMOTE_ADDR``): a header is whatever the sender wrote. With
    ``TRUSTED_PROXY_COUNT`` = n proxies in front, each appending to ``TRUSTED_PROXY_HEADER``
    (``X-Forwarded-For``), the client is the n-th entry from the right; entries further left were
    sent by the client and are not believed. A header with fewer entries, or one that is not an
    address, means the request did not come through the proxies: the peer is used.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return peer
    meta_key = "HTTP_" + settings.TRUSTED_PROXY_HEADER.upper().replace("-", "_")
    hops = [hop.strip() for hop in request.META.get(meta_key, "").split(",") if hop.strip()]
    if len(hops) < count:
        return peer
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
