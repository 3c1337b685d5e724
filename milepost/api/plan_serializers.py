"""JSON shapes for projects, milestones, templates, plan versions and events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milepost.core.money import normalise
from milepost.plans import proposals
from milepost.plans.models import (
    AccessRole,
    BillingTrigger,
    Deliverable,
    Milestone,
    PlanVersion,
    Project,
)

from .common import MoneyField


def _money(amount, currency: str) -> str | None:
    return None if amount is None else str(normalise(amount, currency))


def _date(value) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(value) -> str | None:
    """As DRF's DateTimeField renders it: ISO 8601 in the current time zone, UTC as ``Z``."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def approved_by(m: Any) -> str | None:
    """Who approved the milestone: their email, ``"system"`` when automatic, None when not yet.

    ``m`` is a model instance or a light row carrying ``approved_by_email`` (the selectors
    annotate it, so no user is loaded per milestone)."""
    if m.approved_at is None:
        return None
    if m.approved_by_id is None:
        return "system"
    email = getattr(m, "approved_by_email", None)
    return email if email is not None else m.approved_by.email


# A page of projects carries hundreds of milestones and deliverables, and DRF's field-by-field
# rendering costs most of the request. The three serializers below declare their fields for
# validation and the OpenAPI schema as usual, and render with plain dictionaries. A test
# (tests/api/test_representations.py) checks the output equals DRF's own rendering field by field.


class DeliverableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deliverable
        fields = ["id", "title", "acceptance_criteria"]

    def to_representation(self, d: Deliverable) -> dict:
        return {"id": d.pk, "title": d.title, "acceptance_criteria": d.acceptance_criteria}


class MilestoneSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    budget = MoneyField(currency_from="project.currency")
    deliverables = DeliverableSerializer(many=True, read_only=True)
    revisions_left = serializers.IntegerField(read_only=True)
    review_started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    auto_approve_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the review approves itself."
    )
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    approved_by = serializers.SerializerMethodField(
        help_text='The approver\'s email, or "system" when approved automatically.'
    )
    support_window_ends = serializers.DateTimeField(
        source="support_ends_at", read_only=True, allow_null=True
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "project",
            "position",
            "title",
            "scope",
            "budget",
            "planned_start",
            "planned_due",
            "revision_quota",
            "revisions_used",
            "support_window_days",
            "billing_trigger",
            "status",
            "revisions_left",
            "review_started_at",
            "auto_approve_at",
            "approved_at",
            "approved_by",
            "support_window_ends",
            "deliverables",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_approved_by(self, m: Milestone) -> str | None:
        return approved_by(m)

    def to_representation(self, m: Milestone) -> dict:
        return milestone_json(m, m.project.currency)


#: What a client contact may get as null while the plan is being revised: the fields the version
#: last proposed to them did not record (``plans.proposals.show_proposal``).
#: Every field a proposal records, but the name and summary (never null) and the total (declared
#: above) and what the API does not show (the tax rate).
WITHHELD = tuple(
    key
    for key in proposals.PROJECT_FIELDS
    if key not in {"name", "summary", "total_budget", "tax_rate"}
)
WITHHELD_HELP = "Null for a client contact while being revised, if the proposal did not record it."


class ProjectSerializer(serializers.ModelSerializer):
    total_budget = MoneyField(allow_null=True, help_text=WITHHELD_HELP)
    allocated_budget = serializers.SerializerMethodField(help_text=WITHHELD_HELP)
    being_revised = serializers.BooleanField(
        read_only=True,
        help_text=(
            "True while the plan is back in draft after a proposal (declined or withdrawn). "
            "A client contact then gets the plan as last proposed to them (fields and "
            "milestones), not the agency's edits in progress; what that proposal did not "
            "record is null, and its milestones are empty when none are known."
        ),
    )
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "summary",
            "client",
            "organisation",
            "currency",
            "total_budget",
            "allocated_budget",
            "status",
            "being_revised",
            "start_date",
            "plan_version",
            "sequential_gating",
            "pay_before_next",
            "auto_approve_days",
            "default_revision_quota",
            "default_support_window_days",
            "payment_terms_days",
            "milestones",
        ]
        extra_kwargs = {key: {"allow_null": True, "help_text": WITHHELD_HELP} for key in WITHHELD}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_allocated_budget(self, project: Project) -> str | None:
        return project_json(project, project.milestones.all())["allocated_budget"]

    def to_representation(self, p: Project) -> dict:
        return project_json(p, p.milestones.all())


def project_json(p: Project, milestones: Iterable[Any]) -> dict:
    """A project as ProjectSerializer renders it, with ``milestones``: model instances, or the
    light rows of ``plans.selectors.plans_of`` (same attributes, ``deliverables`` a list)."""
    currency = p.currency
    plan = [milestone_json(m, currency) for m in milestones]
    # A contact's copy of a plan being revised with no milestone known shows no allocation.
    withheld = getattr(p, "plan_withheld", False)
    allocated = None if withheld else sum((m.budget for m in milestones), start=0)
    return {
        "id": p.pk,
        "name": p.name,
        "summary": p.summary,
        "client": p.client_id,
        "organisation": p.organisation_id,
        "currency": currency,
        "total_budget": _money(p.total_budget, currency),
        "allocated_budget": _money(allocated, currency),
        "status": p.status,
        "being_revised": p.being_revised,
        "start_date": _date(p.start_date),
        "plan_version": p.plan_version,
        "sequential_gating": p.sequential_gating,
        "pay_before_next": p.pay_before_next,
        "auto_approve_days": p.auto_approve_days,
        "default_revision_quota": p.default_revision_quota,
        "default_support_window_days": p.default_support_window_days,
        "payment_terms_days": p.payment_terms_days,
        "milestones": plan,
    }


def milestone_json(m: Any, currency: str) -> dict:
    """A milestone as MilestoneSerializer renders it (``currency``: its project's)."""
    deliverables = m.deliverables if isinstance(m.deliverables, list) else m.deliverables.all()
    return {
        "id": m.id,
        "project": m.project_id,
        "position": m.position,
        "title": m.title,
        "scope": m.scope,
        "budget": _money(m.budget, currency),
        "planned_start": _date(m.planned_start),
        "planned_due": _date(m.planned_due),
        "revision_quota": m.revision_quota,
        "revisions_used": m.revisions_used,
        "support_window_days": m.support_window_days,
        "billing_trigger": m.billing_trigger,
        "status": m.status,
        "revisions_left": m.revisions_left,
        "review_started_at": _datetime(m.review_started_at),
        "auto_approve_at": _datetime(m.auto_approve_at),
        "approved_at": _datetime(m.approved_at),
        "approved_by": approved_by(m),
        "support_window_ends": _datetime(m.support_ends_at),
        "deliverables": [
            {"id": d.id, "title": d.title, "acceptance_criteria": d.acceptance_criteria}
            for d in deliverables
        ],
    }


class DeliverableInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, help_text="Keep an existing deliverable.")
    title = serializers.CharField(max_length=200)
    acceptance_criteria = serializers.CharField(required=False, allow_blank=True)


class MilestoneInputSerializer(serializers.Serializer):
    position = serializers.IntegerField(required=False, min_value=1)
    title = serializers.CharField(max_length=200)
    scope = serializers.CharField(required=False, allow_blank=True)
    budget = serializers.CharField(help_text='A string such as "2500.00".')
    planned_start = serializers.DateField()
    planned_due = serializers.DateField()
    revision_quota = serializers.IntegerField(required=False, min_value=0, max_value=100)
    support_window_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    billing_trigger = serializers.ChoiceField(choices=BillingTrigger.choices, required=False)
    deliverables = DeliverableInputSerializer(many=True, required=False)


class MilestonePatchSerializer(MilestoneInputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    budget = serializers.CharField(required=False)
    planned_start = serializers.DateField(required=False)
    planned_due = serializers.DateField(required=False)


class ProjectCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    name = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3)
    total_budget = serializers.CharField(help_text='A string such as "10000.00".')
    start_date = serializers.DateField()
    template = serializers.CharField(required=False, help_text="A template slug.")
    milestones = MilestoneInputSerializer(many=True, required=False)


class ProjectPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False)
    total_budget = serializers.CharField(required=False)
    start_date = serializers.DateField(required=False)
    sequential_gating = serializers.BooleanField(required=False)
    pay_before_next = serializers.BooleanField(required=False)
    auto_approve_days = serializers.IntegerField(required=False)
    default_revision_quota = serializers.IntegerField(required=False)
    default_support_window_days = serializers.IntegerField(required=False)
    payment_terms_days = serializers.IntegerField(required=False)


class AccessInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.ChoiceField(choices=AccessRole.choices)


class AccessSerializer(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    role = serializers.CharField()
    project = serializers.IntegerField(source="project_id")


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class TemplateSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    builtin = serializers.BooleanField()
    milestones = serializers.ListField(child=serializers.DictField())


class PlanVersionSerializer(serializers.ModelSerializer):
    accepted_by = serializers.EmailField(source="accepted_by.email", allow_null=True)

    class Meta:
        model = PlanVersion
        fields = ["version", "reason", "accepted_by", "accepted_at", "snapshot"]


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sequence = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    data = serializers.DictField()
