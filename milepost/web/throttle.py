"""Throttling of login and password reset: per account, and more loosely per address.

The counters live in Django's cache (django-ratelimit's fixed windows); only POSTs count.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from milepost.accounts.models import normalize_email
from milepost.core.http import client_ip


@dataclass(frozen=True)
class Limit:
    group: str
    key: Callable[[HttpRequest], str]
    rate_setting: str  # the name of the setting, read at request time


def address(request: HttpRequest) -> str:
    """The client's address; IPv6 by /64, the block one person usually holds."""
    ip = client_ip(request)
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def posted_email(field: str) -> Callable[[HttpRequest], str]:
    """The address typed into ``field``, spelled the way login looks it up."""
    return lambda request: normalize_email(request.POST.get(field, ""))


LOGIN = (
    Limit("login:account", posted_email("username"), "LOGIN_RATE"),
    Limit("login:address", address, "LOGIN_ADDRESS_RATE"),
)
PASSWORD_RESET = (
    Limit("password-reset:email", posted_email("email"), "PASSWORD_RESET_RATE"),
    Limit("password-reset:address", address, "PASSWORD_RESET_ADDRESS_RATE"),
)


def too_many_attempts(request: HttpRequest, retry_after: int = 60) -> HttpResponse:
    retry_after = max(1, retry_after)
    minutes = -(-retry_after // 60)
    wait = {"minutes": minutes} if minutes < 90 else {"hours": round(minutes / 60)}
    response = render(request, "web/rate_limited.html", wait, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def throttle(*limits: Limit) -> Callable:
    """Count each POST against every limit; over any of them, answer 429 without running."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                waits = [wait for limit in limits if (wait := _hit(request, limit)) is not None]
                if waits:
                    return too_many_attempts(request, max(waits))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _hit(request: HttpRequest, limit: Limit) -> int | None:
    """Count one attempt; the seconds until the window ends when the limit is reached."""
    usage = get_usage(
        request,
        group=limit.group,
        key=lambda group, request: limit.key(request),
        rate=getattr(settings, limit.rate_setting),
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return usage["time_left"]
