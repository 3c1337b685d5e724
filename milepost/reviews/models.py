"""Deliveries, verdicts, change requests, approvals, support requests and the thread."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from milepost.core.stamped import Stamped, Touching

USER = settings.AUTH_USER_MODEL


class Delivery(Stamped):
    """A version of the milestone's work handed to the client: v1, v2, …"""

    milestone = models.ForeignKey(
        "plans.Milestone", on_delete=models.CASCADE, related_name="deliveries"
    )
    number = models.PositiveIntegerField()
    notes = models.TextField(_("notes"), help_text=_("Markdown, as typed."))
    notes_html = models.TextField(blank=True, help_text=_("Sanitised HTML rendered from notes."))
    preview_url = models.URLField(_("preview URL"), max_length=500, blank=True)
    delivered_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["milestone", "number"]
        constraints = [
            models.UniqueConstraint(fields=["milestone", "number"], name="delivery_number_unique")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Verdict(Touching):
    """The client's test result for one deliverable of one delivery.

    A deliverable that passed on the previous delivery passes on the next one too, carried over
    when the next one is delivered: ``carried_from`` is then the verdict the client gave (on the
    delivery where they decided), and ``decided_by``/``decided_at`` are theirs, copied.
    """

    sync_parent = "delivery"  # the delivery's answer shows its verdicts

    class Status(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    deliverable = models.ForeignKey(
        "plans.Deliverable", on_delete=models.CASCADE, related_name="verdicts"
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="verdicts")
    status = models.CharField(max_length=6, choices=Status.choices)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The client's verdict on an earlier delivery, when carried over."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deliverable", "delivery"], name="verdict_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["passed", "failed"]), name="verdict_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(carried_from__isnull=True) | models.Q(status="passed"),
                name="verdict_only_passed_carries_over",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deliverable_id} {self.status} on v{self.delivery_id}"


class ChangeRequest(models.Model):
    """The approver asks for changes to a delivery; uses one revision."""

    milestone = models.ForeignKey(
        "plans.Milestone", on_delete=models.CASCADE, related_name="change_requests"
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="+")
    feedback = models.TextField()
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Changes requested on milestone {self.milestone_id}"


class Approval(models.Model):
    """Who approved which delivery, when, and the checklist as it stood. One per milestone."""

    milestone = models.OneToOneField(
        "plans.Milestone", on_delete=models.CASCADE, related_name="approval"
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when automatic."),
    )
    automatic = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    checklist = models.JSONField(default=list)
    open_items = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Approval of milestone {self.milestone_id}"


class SupportRequest(Stamped):
    """A small fix asked for after approval (or an open item carried over from approval)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    milestone = models.ForeignKey(
        "plans.Milestone", on_delete=models.CASCADE, related_name="support_requests"
    )
    deliverable = models.ForeignKey(
        "plans.Deliverable", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField()
    uses_revision = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    filed_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class RevisionGrant(models.Model):
    """An extra revision the agency gives, with the reason."""

    milestone = models.ForeignKey(
        "plans.Milestone", on_delete=models.CASCADE, related_name="revision_grants"
    )
    reason = models.TextField()
    granted_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Extra revision on milestone {self.milestone_id}"


class Entry(models.Model):
    """One line of a milestone's thread: a comment, or a step of the review in the timeline."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        STARTED = "started", _("Started")
        DELIVERY = "delivery", _("Delivery")
        VERDICT = "verdict", _("Test result")
        CHANGES = "changes", _("Changes requested")
        APPROVAL = "approval", _("Approval")
        SUPPORT = "support", _("Support request")
        RESOLVED = "resolved", _("Support request resolved")
        GRANT = "grant", _("Extra revision")
        CLOSED = "closed", _("Support window closed")
        PREPAYMENT_REVERSED = "unprepaid", _("Prepayment reversed")

    milestone = models.ForeignKey(
        "plans.Milestone", on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty for the system."),
    )
    body = models.TextField(blank=True, help_text=_("Markdown, as typed."))
    body_html = models.TextField(blank=True, help_text=_("Sanitised HTML rendered from body."))
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["milestone", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on milestone {self.milestone_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.milestone_id}/{timezone.now():%Y%m}/{filename}"


class Attachment(models.Model):
    """A file on a delivery or a thread entry, served only to people who see the project."""

    milestone = models.ForeignKey(
        "plans.Milestone", on_delete=models.CASCADE, related_name="attachments"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
