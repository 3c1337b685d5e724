"""The bell: the notifications page, marking read, opening one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.core.errors import RuleViolation
from milepost.notify import selectors, services
from milepost.notify.models import Category

from ..listing import listing
from ..notify_forms import PreferencesForm


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    shown = listing(request, selectors.NOTIFICATION_ORDERINGS, "-created")
    notifications = selectors.notifications_of(
        request.user, unread=unread_only, ordering=shown.sort
    )
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "web/notifications.html",
        {"page": page, "unread_only": unread_only, **shown.context},
    )


@login_required
def notification_open(request, pk: int):
    """Mark it read and go to what it is about."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notification_read(notification=notification, actor=request.user)
    target = notification.url or "/notifications/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/notifications/"
    return redirect(target)


@require_POST
@login_required
def notifications_read_all(request):
    count = services.notifications_read_all(actor=request.user)
    messages.success(request, _("%(n)s notification(s) marked read.") % {"n": count})
    return redirect("web:notifications")


@require_POST
@login_required
def preferences(request):
    form = PreferencesForm(request.POST)
    form.is_valid()
    services.preferences_set(
        user=request.user,
        actor=request.user,
        choices={c: bool(form.cleaned_data.get(c)) for c in Category.values},
    )
    messages.success(request, _("Notification settings saved."))
    return redirect("/settings/#notifications")


@require_POST
@login_required
def calendar_token(request):
    services.calendar_token_replace(user=request.user, actor=request.user)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("/settings/#calendar")


@require_POST
@login_required
def email_resend(request, pk: int):
    """An owner sends an undelivered email again (an invitation with a fresh link)."""
    email = selectors.outgoing_email_get(pk)
    try:
        services.email_resend(email=email, actor=request.user)
    except RuleViolation as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The email to %(to)s is on its way again.") % {"to": email.to})
    return redirect("/settings/#undelivered")
