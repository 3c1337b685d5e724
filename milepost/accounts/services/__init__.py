"""Every write about accounts. Views, the API, the admin and commands call these functions."""

from .clients import CLIENT_FIELDS, client_create, client_update, contact_invite
from .invitations import (
    invitation_accept,
    invitation_lookup,
    invitation_resend,
    invitation_revoke,
)
from .members import member_change_role, member_invite, member_remove
from .organisations import ORGANISATION_FIELDS, organisation_create, organisation_update
from .tokens import api_token_authenticate, api_token_create, api_token_revoke
from .users import password_reset_request, user_set_password, user_update_profile

__all__ = [
    "CLIENT_FIELDS",
    "ORGANISATION_FIELDS",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "client_create",
    "client_update",
    "contact_invite",
    "invitation_accept",
    "invitation_lookup",
    "invitation_resend",
    "invitation_revoke",
    "member_change_role",
    "member_invite",
    "member_remove",
    "organisation_create",
    "organisation_update",
    "password_reset_request",
    "user_set_password",
    "user_update_profile",
]
