"""Telling people: in-app notifications, emails through the outbox (mail), resend, preferences."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, display
from milepost.core.errors import FIELDS_INVALID, InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.mail.models import OutgoingEmail
from milepost.mail.services import email_queue, send_soon

from .models import CalendarFeed, Category, Notification, Preference
from .wording import Text, render

UNSUBSCRIBE_SALT = "milepost.notify.unsubscribe"
#: A title longer than its column (a long project and milestone name) is cut with "…".
TITLE_LENGTH = Notification._meta.get_field("title").max_length


def wants_email(user: User, category: str) -> bool:
    pref = Preference.objects.filter(user=user, category=category).first()
    return pref.email if pref is not None else True


def notify(
    *,
    users: Iterable[User],
    category: str,
    title: Text | str,
    body: Text | str = "",
    url: str = "",
    organisation=None,
    invoice=None,
) -> list[Notification]:
    """Tell each user once: a notification in the app, and an email unless they opted out.

    ``title`` and ``body`` are written for each user, in their language (``notify.wording``).
    Runs inside the caller's transaction; emails leave after it commits.
    """
    seen: set[int] = set()
    created = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        said = display.clip(render(title, language=user.language), TITLE_LENGTH)
        told = render(body, language=user.language)
        created.append(
            Notification.objects.create(
                user=user,
                category=category,
                title=said,
                body=told,
                url=url,
                created_at=clock.now(),
            )
        )
        if wants_email(user, category):  # queued now, sent after commit
            _compose(user, category, said, told, url, organisation, invoice)
    return created


def _compose(user, category, title, body, url, organisation, invoice) -> OutgoingEmail:
    link = settings.SITE_URL + url if url.startswith("/") else url
    unsubscribe = settings.SITE_URL + reverse(
        "web:unsubscribe", args=[unsubscribe_token(user, category)]
    )
    context = {
        "user": user,
        "title": title,
        "body": body,
        "link": link,
        "unsubscribe": unsubscribe,
        "category": Category(category).label,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = render_to_string("notify/email.txt", context)
        html = render_to_string("notify/email.html", context)
    return email_queue(
        user=user,
        organisation=organisation,
        category=category,
        to=user.email,
        subject=title,
        text=text,
        html=html,
        invoice=invoice,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@transaction.atomic
def email_resend(*, email: OutgoingEmail, actor: User) -> OutgoingEmail:
    """Send an undelivered email again now, with a fresh series of attempts (an owner's choice).

    Only one that failed or is still waiting is sent again: an invitation gets a newly minted link
    when it leaves and the previous one stops working, so a delivered one stays as it is.
    """
    organisation = email.organisation
    if organisation is None or not permissions.can_view_organisation(actor, organisation):
        raise NotFound(_("Not found."))
    if not permissions.can_manage_organisation(actor, organisation):
        raise NotAllowed(_("Only an owner can resend emails."))
    now = clock.now()
    moved = OutgoingEmail.objects.filter(_resendable(now), pk=email.pk).update(
        status=OutgoingEmail.Status.PENDING, attempts=0, next_attempt_at=now
    )
    if moved != 1:
        email.refresh_from_db()
        if email.status == OutgoingEmail.Status.SENT:
            message = _("This email was already delivered; it is not sent again.")
        else:
            message = _("This email is being sent right now.")
        raise RuleViolation(message, code="state_conflict")
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.EMAIL_RESENT,
        target=email,
        data={"to": email.to, "subject": email.subject, "kind": email.kind},
    )
    transaction.on_commit(lambda: send_soon(email.pk))
    email.refresh_from_db()
    return email


def _resendable(now: dt.datetime) -> Q:
    """Failed, waiting for its next attempt, or claimed by a worker that died (lease over)."""
    Status = OutgoingEmail.Status
    return Q(status__in=[Status.FAILED, Status.PENDING]) | Q(
        status=Status.SENDING, next_attempt_at__lte=now
    )


# --- Reading ------------------------------------------------------------------------------------


def notification_read(*, notification: Notification, actor: User) -> Notification:
    if notification.user_id != actor.pk:
        raise NotFound(_("Notification not found."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )
    notification.refresh_from_db()
    return notification


def notifications_read_all(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=clock.now())


# --- Preferences and unsubscribe ----------------------------------------------------------------


def preferences_of(user: User) -> dict[str, bool]:
    chosen = dict(Preference.objects.filter(user=user).values_list("category", "email"))
    return {c: chosen.get(c, True) for c in Category.values}


@transaction.atomic
def preferences_set(*, user: User, actor: User, choices: dict[str, Any]) -> dict[str, bool]:
    """Email (True) or in-app only (False), per category."""
    if user.pk != actor.pk:
        raise NotFound(_("Not found."))
    errors = {k: [_("Unknown category.")] for k in choices if k not in Category.values}
    errors.update(
        {
            k: [_("Must be true or false.")]
            for k, v in choices.items()
            if k in Category.values and not isinstance(v, bool)
        }
    )
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    for category, email in choices.items():
        Preference.objects.update_or_create(user=user, category=category, defaults={"email": email})
    return preferences_of(user)


def unsubscribe_token(user: User, category: str) -> str:
    return signing.dumps({"u": user.pk, "c": category}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_target(token: str) -> tuple[User, str]:
    """The user and category of a signed unsubscribe link, or 404."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return User.objects.get(pk=int(data["u"])), Category(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        raise NotFound(
            _("This unsubscribe link is not valid."), code="unsubscribe_invalid"
        ) from None


@transaction.atomic
def unsubscribe(token: str) -> tuple[User, str]:
    """Turn off email for one category from a signed link (no login needed)."""
    user, category = unsubscribe_target(token)
    if not wants_email(user, category):
        raise RuleViolation(
            _("You already receive these only in the app."), code="already_unsubscribed"
        )
    Preference.objects.update_or_create(user=user, category=category, defaults={"email": False})
    return user, category


# --- Calendar -----------------------------------------------------------------------------------


def calendar_feed_of(user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_token_replace(*, user: User, actor: User) -> CalendarFeed:
    """A new secret URL; the old one stops working at once."""
    if user.pk != actor.pk:
        raise NotFound(_("Not found."))
    from .models import new_calendar_token

    feed = calendar_feed_of(user)
    before = _fingerprint(feed.token)
    feed.token = new_calendar_token()
    feed.save(update_fields=["token"])
    audit_record(
        organisation=None,
        actor=actor,
        action=AuditAction.CALENDAR_TOKEN_REPLACED,
        target=feed,
        data={
            "before": {"token_fingerprint": before},
            "after": {"token_fingerprint": _fingerprint(feed.token)},
        },
    )
    return feed


def _fingerprint(token: str) -> str:
    """Tells two addresses apart in the audit log without writing the secret into it."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def calendar_url(user: User) -> str:
    return settings.SITE_URL + reverse("calendar_feed", args=[calendar_feed_of(user).token])
