"""Reads about accounts, always through the eyes of a user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from milepost.core.errors import NotFound
from milepost.core.lookup import one, pk_of
from milepost.core.ordering import order
from milepost.core.prepared import Prepared

from .models import ApiToken, Client, Contact, Invitation, Membership, Organisation
from .permissions import organisations_of, roles_of


def organisations_for(user: Any) -> list[Organisation]:
    """Organisations the user is a member of, by name (loaded with the roles: no query)."""
    return sorted(organisations_of(user).values(), key=lambda org: (org.name, org.pk))


def organisation_get(user: Any, organisation_id: Any) -> Organisation:
    """Return an organisation the user belongs to, or raise NotFound."""
    org_id = pk_of(organisation_id, "Organisation not found.")
    if org_id not in roles_of(user):
        raise NotFound("Organisation not found.")
    return Organisation.objects.get(pk=org_id)


#: How the members list sorts (``core.ordering``): by name unless asked.
MEMBER_ORDERINGS = {
    "name": ("user__name", "user__email", "id"),
    "email": ("user__email", "id"),
    "role": ("role", "user__name", "user__email", "id"),
    "joined": ("created_at", "id"),
}


def memberships_of(
    organisation: Organisation, *, search: str | None = None, ordering: str | None = None
) -> QuerySet[Membership]:
    """The organisation's members by name (or ``ordering``); ``search``: a piece of a name or
    an email address."""
    memberships = Membership.objects.filter(organisation=organisation)
    if search:
        memberships = memberships.filter(
            Q(user__name__icontains=search) | Q(user__email__icontains=search)
        )
    memberships = memberships.select_related("user").order_by("user__name", "user__email")
    return order(memberships, ordering, MEMBER_ORDERINGS)


#: How a list of clients sorts (``core.ordering``): by name unless asked.
CLIENT_ORDERINGS = {
    "name": ("name", "id"),
    "country": ("country", "name", "id"),
    "contacts": ("contact_count", "name", "id"),
    "created": ("created_at", "id"),
    "updated_at": ("updated_at", "id"),  # a sync reads what changed in order (docs/sync.md)
}


def clients_visible_to(
    user: Any,
    *,
    organisation: Organisation | None = None,
    search: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Client]:
    """Clients of the organisations the user is a member of (contacts see none here), by name
    (or ``ordering``); ``search``: a piece of the name or the VAT id."""
    org_ids = list(roles_of(user))
    if organisation is not None:
        org_ids = [organisation.pk] if organisation.pk in org_ids else []
    clients = Client.objects.filter(organisation_id__in=org_ids)
    if search:
        clients = clients.filter(Q(name__icontains=search) | Q(vat_id__icontains=search))
    clients = (
        clients.select_related("organisation")
        .annotate(contact_count=_count_of(Contact.objects.filter(client=OuterRef("pk")), "client"))
        .order_by("name", "id")
    )
    return order(clients, ordering, CLIENT_ORDERINGS)


def _count_of(rows: QuerySet, by: str) -> Coalesce:
    """A correlated count of ``rows`` (filtered on an OuterRef), grouped by ``by``; 0 if none."""
    counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


#: Clients and members of an organisation, compiled once (``core.prepared``): the dashboard asks.
_COUNTS = Prepared(
    lambda organisation_id: Organisation.objects.filter(pk=organisation_id).values(
        client_count=_count_of(Client.objects.filter(organisation=OuterRef("pk")), "organisation"),
        member_count=_count_of(
            Membership.objects.filter(organisation=OuterRef("pk")), "organisation"
        ),
    ),
    organisation_id=int,
)


def organisation_counts(user: Any, *, organisation: Organisation) -> dict[str, int]:
    """How many clients and members the organisation has, in one query (zeros for outsiders)."""
    if organisation.pk not in roles_of(user):
        return {"clients": 0, "members": 0}
    [counts] = _COUNTS(organisation_id=organisation.pk)
    return {"clients": counts["client_count"], "members": counts["member_count"]}


def client_choices(user: Any, *, organisation: Organisation) -> list[tuple[int, str]]:
    """(id, name) of the organisation's clients, for filters and pickers."""
    if organisation.pk not in roles_of(user):
        return []
    return list(
        Client.objects.filter(organisation_id=organisation.pk)
        .order_by("name", "id")
        .values_list("pk", "name")
    )


def client_get(user: Any, client_id: Any) -> Client:
    """Return one visible client with its contacts, or raise NotFound."""
    pk = pk_of(client_id, "Client not found.")
    client = (
        Client.objects.filter(pk=pk, organisation_id__in=list(roles_of(user)))
        .select_related("organisation")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.select_related("user").order_by("id"))
        )
        .first()
    )
    if client is None:
        raise NotFound("Client not found.")
    contacts = list(client.contacts.all())
    with_invitations(contacts, client_id=client.pk)
    return client


def invitations_by_user(client_id: int, user_ids: Any) -> dict[int, Invitation]:
    """The newest unaccepted invitation to the client of each of these users (one query)."""
    newest: dict[int, Invitation] = {}
    for invitation in Invitation.objects.filter(
        client_id=client_id, user_id__in=list(user_ids), used_at__isnull=True
    ).order_by("user_id", "-created_at", "-pk"):
        newest.setdefault(invitation.user_id, invitation)
    return newest


def with_invitations(rows: list[Any], *, client_id: int) -> list[Any]:
    """Set ``row.invitation`` on contacts or project access rows (each has a ``user_id``): their
    newest unaccepted invitation to the client, or None once they have accepted (or never needed
    one: they had a password already)."""
    found = invitations_by_user(client_id, {row.user_id for row in rows})
    for row in rows:
        row.invitation = found.get(row.user_id)
        if row.invitation is not None:
            row.invitation.user = row.user  # the same person, already loaded
    return rows


def invitation_get(user: Any, invitation_id: Any) -> Invitation:
    """An invitation of one of the user's organisations, or NotFound (who may act: services)."""
    visible = Invitation.objects.filter(organisation_id__in=list(roles_of(user)))
    return one(
        visible.select_related("user", "organisation", "client"),
        invitation_id,
        "Invitation not found.",
    )


def contact_by_id(user: Any, contact_id: Any) -> Contact:
    """One contact of a client of the user's organisations, or NotFound (the API's
    ``contacts/{id}``)."""
    visible = Contact.objects.filter(client__organisation_id__in=list(roles_of(user)))
    return one(
        visible.select_related("user", "client", "client__organisation"),
        contact_id,
        "Contact not found.",
    )


def contact_get(user: Any, client: Client, contact_id: Any) -> Contact:
    """One contact of a visible client (``client_get`` first), or NotFound."""
    pk = pk_of(contact_id, "Contact not found.")
    contact = next((c for c in client.contacts.all() if c.pk == pk), None)
    if contact is None:
        raise NotFound("Contact not found.")
    return contact


def client_contacts_of(user: Any) -> QuerySet[Contact]:
    """The client contacts this user acts as (the client side of their access)."""
    return Contact.objects.filter(user=user).select_related("client", "client__organisation")


def api_tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
