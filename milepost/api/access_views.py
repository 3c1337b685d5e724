"""REST views for people: a project's access list, changing and removing access, removing a
client's contact, and sending again or revoking an invitation. Thin: one service each."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from milepost.accounts import selectors as account_selectors
from milepost.accounts import services as account_services
from milepost.accounts.selectors import with_invitations
from milepost.plans import selectors, services
from milepost.plans.lifecycle.project import ProjectAction

from . import access_serializers as s
from . import roles
from .base import APIView
from .common import validated
from .errors import ErrorSerializer

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409)}
NO_BODY_ERRORS = {code: ErrorSerializer for code in (401, 403, 404, 409)}


def access_json(access) -> dict:
    """One access row with its pending invitation (read now)."""
    with_invitations([access], client_id=access.project.client_id)
    return s.ProjectAccessSerializer(access).data


class ProjectAccessView(APIView):
    """One person's access to a project (ids from `GET /projects/{id}/access/`)."""

    @extend_schema(
        request=s.AccessRoleSerializer, responses={200: s.ProjectAccessSerializer, **ERRORS}
    )
    def patch(self, request, pk):
        """Make them `approver` or `viewer`; 409 `last_approver` when a proposed, active or
        on-hold project would be left without an approver."""
        access = selectors.access_get(request.user, pk)
        roles.require(request.user, ProjectAction.CHANGE_ACCESS, access.project)
        data = validated(s.AccessRoleSerializer, request.data)
        access = services.project_access_change(access=access, actor=request.user, **data)
        return Response(access_json(access))

    @extend_schema(request=None, responses={204: None, **NO_BODY_ERRORS})
    def delete(self, request, pk):
        """Remove their access at once (the project answers 404 to them from then on); 409
        `last_approver` as above."""
        access = selectors.access_get(request.user, pk)
        roles.require(request.user, ProjectAction.REMOVE_ACCESS, access.project)
        services.project_access_remove(access=access, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactView(APIView):
    """One contact of a client (ids from `GET /clients/{id}/`)."""

    @extend_schema(request=None, responses={204: None, **NO_BODY_ERRORS})
    def delete(self, request, pk):
        """Remove the person from the client's contacts, with their access to the client's
        projects and their unaccepted invitation; 409 `last_approver` (`details.projects`)
        while they are the only approver of a proposed, active or on-hold project."""
        contact = account_selectors.contact_by_id(request.user, pk)
        roles.client_managers(request.user, contact.client.organisation_id)
        services.contact_remove(contact=contact, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _invitation(request, pk):
    invitation = account_selectors.invitation_get(request.user, pk)
    roles.invitation_managers(request.user, invitation)
    return invitation


class InvitationResendView(APIView):
    @extend_schema(request=None, responses={200: s.InvitationSerializer, **NO_BODY_ERRORS})
    def post(self, request, pk):
        """Email a new link; the previous one stops working at once (also for an expired or a
        revoked invitation). 409 `invitation_used` once accepted."""
        invitation = _invitation(request, pk)
        invitation = account_services.invitation_resend(invitation=invitation, actor=request.user)
        return Response(s.InvitationSerializer(invitation).data)


class InvitationRevokeView(APIView):
    @extend_schema(request=None, responses={200: s.InvitationSerializer, **NO_BODY_ERRORS})
    def post(self, request, pk):
        """Make the link stop working (the person stays listed); 409 when already revoked
        (`state_conflict`) or accepted (`invitation_used`)."""
        invitation = _invitation(request, pk)
        invitation = account_services.invitation_revoke(invitation=invitation, actor=request.user)
        return Response(s.InvitationSerializer(invitation).data)
