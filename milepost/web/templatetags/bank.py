"""Whether the organisation's invoices can tell clients where to pay, for the notices that say so.

A tag rather than a view's context, so a page shows the notice with one ``{% include %}``.
"""

from __future__ import annotations

from django import template

from milepost.accounts.permissions import can_manage_invoicing, roles_of
from milepost.billing.selectors import organisation_bank_problems

register = template.Library()


@register.simple_tag(takes_context=True)
def bank_problems(context, organisation=None, currency=None, everyone_in_the_agency=False):
    """What the organisation's next invoices lack to say where to pay, for those who are told.

    Owners and managers (who look after invoicing) are told; with ``everyone_in_the_agency``,
    any member, where their own action issues an invoice. Client contacts never are.
    """
    request = context.get("request")
    organisation = organisation or context.get("current_organisation")
    user = getattr(request, "user", None)
    if organisation is None or user is None or not user.is_authenticated:
        return []
    if everyone_in_the_agency:
        told = organisation.pk in roles_of(user)
    else:
        told = can_manage_invoicing(user, organisation)
    return organisation_bank_problems(organisation, currency) if told else []
