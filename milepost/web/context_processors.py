from milepost.accounts.permissions import roles_of
from milepost.accounts.selectors import organisations_for


def navigation(request):
    """The organisation switcher and the current role, for the page shell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organisation = getattr(request, "organisation", None)
    roles = roles_of(user)
    from milepost.notify.selectors import unread_count

    return {
        "unread_notifications": unread_count(user),
        "current_organisation": organisation,
        "current_role": roles.get(organisation.pk) if organisation else None,
        "switchable_organisations": organisations_for(user) if len(roles) > 1 else [],
    }
