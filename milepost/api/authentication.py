"""``Authorization: Bearer <token>`` for API clients."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from milepost.accounts.services import api_token_authenticate

#: Every API token begins so (``accounts.services.api_token_create``).
TOKEN_PREFIX = b"mp_"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None  # a session, or nobody
        if header[0].lower() != self.keyword.lower().encode():
            # "Token mp_…" or a bare "mp_…": a Milepost token sent the wrong way. Anything else
            # (a proxy's own Basic credentials) is not ours to refuse.
            if any(part.startswith(TOKEN_PREFIX) for part in header[:2]):
                raise exceptions.AuthenticationFailed(
                    "Send the API token as: Authorization: Bearer <token>", code="invalid_token"
                )
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header.", code="invalid_token"
            )
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                "Malformed token.", code="invalid_token"
            ) from None
        user = api_token_authenticate(raw)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.", code="invalid_token")
        return user, None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
