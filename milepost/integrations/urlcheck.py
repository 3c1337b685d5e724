"""The SSRF guard: a webhook URL must be https to a public address.

Checked when an endpoint is saved and again at every delivery, after DNS resolution; the
delivery then connects to the very address it checked (no second lookup a DNS rebinding could
answer differently). Hosts the administrator lists in ``WEBHOOK_ALLOWED_HOSTS`` skip the address
check and may use plain http (the tests' loopback receiver, a receiver on the local network).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from milepost.core.errors import InvalidInput

URL_MAX = 2000

#: Cloud metadata services (AWS, GCP, Azure: 169.254.169.254; AWS over IPv6: fd00:ec2::254).
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a delivery connects: the address checked, and what the request names."""

    scheme: str
    host: str
    port: int
    address: str
    path: str  # with the query

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in settings.WEBHOOK_ALLOWED_HOSTS if h.strip()}


def address_refusal(address: str) -> str | None:
    """Why ``address`` may not be called, or None for a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return _("a cloud metadata address")
    for test, label in (
        (ip.is_loopback, _("a loopback address")),
        (ip.is_unspecified, _("an unspecified address")),
        (ip.is_link_local, _("a link-local address")),
        (ip.is_multicast, _("a multicast address")),
        (ip.is_private, _("a private address")),
        (ip.is_reserved, _("a reserved address")),
        (not ip.is_global, _("an address that is not public")),
    ):
        if test:
            return label
    return None


def _parse(url: str) -> tuple[str, str, int, str]:
    text = (url or "").strip()
    if not text:
        raise UnsafeURL(_("Enter the URL Milepost should send events to."))
    if len(text) > URL_MAX:
        raise UnsafeURL(_("At most %(n)s characters.") % {"n": URL_MAX})
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise UnsafeURL(_("A URL has no spaces or control characters."))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeURL(_("Only https:// URLs can receive webhooks."))
    if "@" in parts.netloc:
        raise UnsafeURL(_("A webhook URL cannot carry a user name or password."))
    if parts.fragment:
        raise UnsafeURL(_("A webhook URL has no #fragment."))
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeURL(_("The URL names no host."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL(_("The port is not a number from 1 to 65535.")) from None
    if scheme == "http" and host not in allowed_hosts():
        raise UnsafeURL(_("Only https:// URLs can receive webhooks."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (a literal address resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(_("The host %(host)s could not be found.") % {"host": host}) from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def target_of(url: str) -> Target:
    """The checked target of ``url``, or ``UnsafeURL``. Every address of the host must be public:
    one private answer among public ones is refused too."""
    scheme, host, port, path = _parse(url)
    addresses = resolve(host, port)
    if host not in allowed_hosts():
        for address in addresses:
            refusal = address_refusal(address)
            if refusal is not None:
                raise UnsafeURL(
                    _("%(host)s resolves to %(address)s, %(why)s: Milepost does not call it.")
                    % {"host": host, "address": address, "why": refusal}
                )
    return Target(scheme=scheme, host=host, port=port, address=addresses[0], path=path)


def url_clean(url: str) -> str:
    """The URL as stored, or 400 with the reason under ``url``."""
    try:
        target_of(url)
    except UnsafeURL as error:
        raise InvalidInput(
            str(error), code="url_not_allowed", details={"url": [str(error)]}
        ) from None
    return url.strip()
