"""REST views for you (``me``), clients and their contacts: parse, call one selector or
service, render."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from milepost.accounts import selectors, services
from milepost.accounts.models import Organisation
from milepost.accounts.permissions import roles_of
from milepost.core.errors import InvalidInput, NotAllowed
from milepost.notify.services import calendar_url

from . import account_serializers as s
from . import roles
from .base import APIView, GenericViewSet
from .common import validated
from .errors import ErrorSerializer
from .filters import SyncReads, ordering_filter, ordering_param, search_filter, search_param

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


class MeView(APIView):
    @extend_schema(responses={200: s.MeSerializer, 401: ErrorSerializer})
    def get(self, request):
        """Who you are, your organisations with your role, and the clients you speak for."""
        user = request.user
        roles = roles_of(user)
        organisations = [
            {"id": org.pk, "name": org.name, "role": roles[org.pk]}
            for org in selectors.organisations_for(user)
        ]
        data = {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "organisations": organisations,
            "client_contacts": selectors.client_contacts_of(user),
            "calendar_url": calendar_url(user),
        }
        return Response(s.MeSerializer(data).data)


class OrganisationViewSet(GenericViewSet):
    """Your agency: its details, the bank details its invoices print, and project defaults."""

    serializer_class = s.OrganisationSerializer
    queryset = Organisation.objects.none()  # for the schema only: reads go through selectors
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: s.OrganisationSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        """An organisation you belong to (any role); 404 to everyone else."""
        organisation = selectors.organisation_get(request.user, pk)
        return Response(s.OrganisationSerializer(organisation).data)

    @extend_schema(
        request=s.OrganisationPatchSerializer,
        responses={200: s.OrganisationSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        """Change the details (owners): a bad IBAN or BIC is 400 with the field named, and
        nothing is saved. Invoices already issued keep the details they were issued with."""
        organisation = selectors.organisation_get(request.user, pk)
        roles.organisation_owners(request.user, organisation)
        data = validated(s.OrganisationPatchSerializer, request.data)
        services.organisation_update(organisation=organisation, actor=request.user, **data)
        organisation = selectors.organisation_get(request.user, pk)
        return Response(s.OrganisationSerializer(organisation).data)


class ClientViewSet(SyncReads, mixins.ListModelMixin, GenericViewSet):
    """Clients of your organisations."""

    serializer_class = s.ClientSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action != "list":
            return selectors.clients_visible_to(self.request.user)
        return selectors.clients_visible_to(
            self.request.user,
            search=search_param(self.request),
            ordering=ordering_param(self.request, selectors.CLIENT_ORDERINGS),
        )

    @extend_schema(
        parameters=[
            search_filter("A piece of the client's name or VAT id."),
            ordering_filter(selectors.CLIENT_ORDERINGS, "name"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.ClientDetailSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        client = selectors.client_get(request.user, pk)
        return Response(s.ClientDetailSerializer(client).data)

    @extend_schema(
        request=s.ClientWriteSerializer, responses={201: s.ClientDetailSerializer, **ERRORS}
    )
    def create(self, request):
        roles.managers_anywhere(request.user)
        data = validated(s.ClientWriteSerializer, request.data)
        organisation = self._organisation(data.pop("organisation", None))
        client = services.client_create(organisation=organisation, actor=request.user, **data)
        client = selectors.client_get(request.user, client.pk)
        return Response(s.ClientDetailSerializer(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ClientPatchSerializer, responses={200: s.ClientDetailSerializer, **ERRORS}
    )
    def partial_update(self, request, pk=None):
        client = selectors.client_get(request.user, pk)
        roles.client_managers(request.user, client.organisation_id)
        data = validated(s.ClientPatchSerializer, request.data)
        services.client_update(client=client, actor=request.user, **data)
        client = selectors.client_get(request.user, pk)
        return Response(s.ClientDetailSerializer(client).data)

    @extend_schema(
        request=s.ContactInviteSerializer, responses={201: s.ContactSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request, pk=None):
        """Invite a contact by email; they get a one-time link to set a password."""
        client = selectors.client_get(request.user, pk)
        roles.client_managers(request.user, client.organisation_id)
        data = validated(s.ContactInviteSerializer, request.data)
        contact = services.contact_invite(client=client, actor=request.user, **data)
        selectors.with_invitations([contact], client_id=client.pk)
        return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    def _organisation(self, organisation_id):
        roles = roles_of(self.request.user)
        if organisation_id is not None:
            return selectors.organisation_get(self.request.user, organisation_id)
        if not roles:
            raise NotAllowed(_("Only members of an agency can create clients."))
        if len(roles) > 1:
            raise InvalidInput(
                _("You belong to several organisations: say which one."),
                details={"organisation": [_("This field is required.")]},
            )
        return selectors.organisation_get(self.request.user, next(iter(roles)))
