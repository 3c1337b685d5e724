"""Stable codes for every kind of audit event. Never rename a value: old events keep it."""

from django.db import models


class AuditAction(models.TextChoices):
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_UPDATED = "organisation.updated"
    MEMBER_INVITED = "member.invited"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    CLIENT_CREATED = "client.created"
    CLIENT_UPDATED = "client.updated"
    CONTACT_INVITED = "contact.invited"
    INVITATION_ACCEPTED = "invitation.accepted"
    PASSWORD_CHANGED = "user.password_changed"
    API_TOKEN_CREATED = "api_token.created"
    API_TOKEN_REVOKED = "api_token.revoked"
