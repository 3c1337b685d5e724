"""JSON shapes for people on projects: access rows (invitations are the accounts' shapes)."""

from rest_framework import serializers

from milepost.plans.models import AccessRole

from .account_serializers import InvitationSerializer

__all__ = ["AccessRoleSerializer", "InvitationSerializer", "ProjectAccessSerializer"]


class ProjectAccessSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    user = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    role = serializers.ChoiceField(choices=AccessRole.choices)
    invitation = InvitationSerializer(
        allow_null=True,
        help_text="Their invitation while they have not accepted it; null once they have.",
    )
    updated_at = serializers.DateTimeField(
        help_text="When the access last changed (its role; not its invitation: docs/sync.md)."
    )


class AccessRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=AccessRole.choices)
