"""Projects, milestones, deliverables, project access, plan versions, change orders and
templates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from milepost.core.money import normalise
from milepost.core.stamped import Stamped, Touching

# The status choices are the lifecycles' states (plans/lifecycle): imported from here too.
from .lifecycle.change_order import ChangeOrderStatus
from .lifecycle.milestone import MilestoneStatus, auto_approve_deadline, support_window_open
from .lifecycle.project import ProjectStatus

# Budgets go up to 999,999,999,999 in the minor unit (12 digits before the point for JPY, 3
# after for BHD); invoices add tax on top, so columns keep room for 15 digits before the point.
MONEY = {"max_digits": 18, "decimal_places": 3}


class BillingTrigger(models.TextChoices):
    ON_APPROVAL = "on_approval", _("On approval")
    ON_START = "on_start", _("On start (prepayment)")


class AccessRole(models.TextChoices):
    APPROVER = "approver", _("Approver")
    VIEWER = "viewer", _("Viewer")


class Project(Stamped):
    """A fixed-budget engagement with one client, delivered in milestones."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="projects"
    )
    client = models.ForeignKey("accounts.Client", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    total_budget = models.DecimalField(_("total budget"), **MONEY)
    start_date = models.DateField(_("start date"))
    status = models.CharField(
        max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    plan_version = models.PositiveIntegerField(default=0)

    sequential_gating = models.BooleanField(_("sequential gating"), default=True)
    pay_before_next = models.BooleanField(_("pay before next"), default=False)
    auto_approve_days = models.PositiveSmallIntegerField(_("auto-approve after (days)"), default=14)
    default_revision_quota = models.PositiveSmallIntegerField(default=2)
    default_support_window_days = models.PositiveSmallIntegerField(default=14)
    payment_terms_days = models.PositiveSmallIntegerField(default=14)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    # What one more revision costs when the client runs out (None: not offered). Part of the
    # plan the client accepts: changed after acceptance only by a change order.
    extra_revision_price = models.DecimalField(
        _("price per extra revision"), null=True, blank=True, **MONEY
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    proposed_at = models.DateTimeField(null=True, blank=True)
    # Set by the first proposal and never cleared: from then on the client's contacts see the
    # project (before, it is the agency's alone).
    first_proposed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set while the project is on hold (cleared on resume); the reason is optional.
    on_hold_since = models.DateTimeField(null=True, blank=True)
    hold_reason = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            # updated_since, in the order a sync reads (docs/sync.md)
            models.Index(fields=["organisation", "updated_at"], name="project_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_budget__gt=0), name="project_total_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ProjectStatus.values), name="project_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total(self) -> Decimal:
        return normalise(self.total_budget, self.currency)

    @property
    def being_revised(self) -> bool:
        """Back in draft after a proposal (declined or withdrawn): the client sees the last one."""
        return self.status == ProjectStatus.DRAFT and self.first_proposed_at is not None

    @property
    def cancelled_in_revision(self) -> bool:
        """Cancelled while back in draft after a proposal: the client keeps seeing the last one."""
        return (
            self.status == ProjectStatus.CANCELLED
            and self.first_proposed_at is not None
            and self.proposed_at is None
            and self.accepted_at is None
        )


#: The fields of a milestone that a plan edit sets (the editor's form, the API's input).
MILESTONE_FIELDS = (
    "title",
    "scope",
    "budget",
    "planned_start",
    "planned_due",
    "revision_quota",
    "support_window_days",
    "billing_trigger",
)


class Milestone(Stamped):
    """One self-contained stage: scope, budget, dates, revisions, support window."""

    sync_parent = "project"  # the project's answer embeds its plan

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    scope = models.TextField(_("scope"), blank=True)
    budget = models.DecimalField(_("budget"), **MONEY)
    planned_start = models.DateField(_("planned start"))
    planned_due = models.DateField(_("planned due"))
    revision_quota = models.PositiveSmallIntegerField(_("revision quota"), default=2)
    revisions_used = models.PositiveSmallIntegerField(default=0)
    support_window_days = models.PositiveSmallIntegerField(_("support window (days)"), default=14)
    billing_trigger = models.CharField(
        _("billing trigger"),
        max_length=12,
        choices=BillingTrigger.choices,
        default=BillingTrigger.ON_APPROVAL,
    )
    status = models.CharField(
        max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    # The review cycle (set by milepost.reviews services).
    started_at = models.DateTimeField(null=True, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    # How long the project was on hold during the current review: auto-approval waits as long.
    review_paused = models.DurationField(default=dt.timedelta(0))
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    support_ends_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "position"], name="milestone_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gt=0), name="milestone_budget_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_start__lte=models.F("planned_due")),
                name="milestone_start_before_due",
            ),
            models.CheckConstraint(
                condition=models.Q(position__gte=1), name="milestone_position_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(revisions_used__lte=models.F("revision_quota")),
                name="milestone_revisions_within_quota",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MilestoneStatus.values), name="milestone_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def amount(self) -> Decimal:
        return normalise(self.budget, self.project.currency)

    @property
    def revisions_left(self) -> int:
        return max(self.revision_quota - self.revisions_used, 0)

    @property
    def auto_approve_at(self):
        """When the review is approved by itself, if the client does not answer (or None)."""
        project = self.project
        return auto_approve_deadline(
            self.status,
            self.review_started_at,
            project.auto_approve_days,
            self.review_paused,
            project.status,
        )

    @property
    def support_open(self) -> bool:
        from milepost.core import clock

        return support_window_open(self.status, self.support_ends_at, clock.now())


class Deliverable(Touching):
    """Something the client can test, with criteria that say when it passes."""

    sync_parent = "milestone"  # shown inside its milestone

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="deliverables")
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    acceptance_criteria = models.TextField(_("acceptance criteria"), blank=True)

    class Meta:
        ordering = ["milestone", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectAccess(Stamped):
    """A client contact's access to one project, as approver or viewer."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_access"
    )
    role = models.CharField(max_length=10, choices=AccessRole.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_access_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=AccessRole.values), name="project_access_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.project} ({self.role})"


class PlanVersion(models.Model):
    """An immutable snapshot of the whole plan: v1 is the baseline the client accepted, each
    later one the plan after an accepted change order (``change_order``)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    reason = models.CharField(max_length=200, blank=True)
    change_order = models.OneToOneField(
        "ChangeOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="result_version",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["project", "version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} v{self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Plan versions are immutable.")
        super().save(*args, **kwargs)


class PlanProposal(models.Model):
    """What was proposed to the client, as it stood: the plan they see while it is revised."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField()

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="plan_proposal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} proposal {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Plan proposals are immutable.")
        super().save(*args, **kwargs)


class ChangeOrder(Stamped):
    """A change to an accepted plan that the client signs: numbered per project (CO-1, CO-2 …),
    drafted on a plan version, with a list of changes (``plans.changes``). Accepting it makes
    the next plan version. The lifecycle is ``plans.lifecycle.change_order``."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_orders")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        max_length=12, choices=ChangeOrderStatus.choices, default=ChangeOrderStatus.DRAFT
    )
    base_version = models.PositiveIntegerField()
    changes = models.JSONField(default=list, blank=True)
    # Fixed when proposed (what the client is asked to sign), kept when answered.
    price = models.DecimalField(null=True, blank=True, **MONEY)
    total_before = models.DecimalField(null=True, blank=True, **MONEY)
    total_after = models.DecimalField(null=True, blank=True, **MONEY)
    request = models.ForeignKey(
        "ChangeOrderRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="change_order_number_unique"
            ),
            # At most one change order of a project waits for the client (change_order_pending).
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status="proposed"),
                name="change_order_one_proposed",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ChangeOrderStatus.values),
                name="change_order_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.title}"

    @property
    def label(self) -> str:
        return self.label_of(self.number)

    @staticmethod
    def label_of(number: int) -> str:
        """How people name change order ``number`` of a project: CO-1, CO-2, …"""
        return f"CO-{number}"


class ChangeOrderProposal(models.Model):
    """One proposal of a change order as the client saw it (its changes, the difference and the
    money), and how it was answered: every proposal is kept."""

    change_order = models.ForeignKey(
        ChangeOrder, on_delete=models.CASCADE, related_name="proposals"
    )
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField()
    answer = models.CharField(max_length=12, blank=True)  # accepted, declined, withdrawn
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["change_order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_order", "number"], name="change_order_proposal_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.change_order} proposal {self.number}"


class ChangeOrderRequest(Stamped):
    """A client approver asks for a change order about a milestone (when the revisions ran out,
    or any time): the agency drafts a change order from it or declines it with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DRAFTED = "drafted", _("Change order drafted")
        DECLINED = "declined", _("Declined")

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="change_order_requests"
    )
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Change order request {self.pk} on {self.milestone}"


class PlanTemplate(models.Model):
    """An organisation's own plan template (built-in ones live in builtin_templates.py)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="plan_templates"
    )
    slug = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    milestones = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="plan_template_slug")
        ]

    def __str__(self) -> str:
        return self.name
