"""JSON shapes for projects, milestones, templates, plan versions and events."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milepost.audit import wording
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
from .plan_json import approved_by, milestone_json, project_json

# A page of projects carries hundreds of milestones and deliverables, and DRF's field-by-field
# rendering costs most of the request. The three serializers below declare their fields for
# validation and the OpenAPI schema as usual, and render with plain dictionaries (plan_json). A
# test (tests/plans/test_representations.py) checks the output equals DRF's own rendering field by
# field.


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
        read_only=True,
        allow_null=True,
        help_text=(
            "When the review approves itself; null while the project is on hold (the clock "
            "is paused, and the date moves by the time on hold when it resumes) or cancelled."
        ),
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
            "updated_at",
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
    extra_revision_price = MoneyField(
        allow_null=True,
        help_text="What one more revision costs when the client's run out (null: not offered). "
        "Set while drafting; after acceptance only a change order changes it.",
    )
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
            "extra_revision_price",
            "on_hold_since",
            "hold_reason",
            "cancelled_at",
            "cancel_reason",
            "updated_at",
            "milestones",
        ]
        read_only_fields = ["on_hold_since", "hold_reason", "cancelled_at", "cancel_reason"]
        extra_kwargs = {key: {"allow_null": True, "help_text": WITHHELD_HELP} for key in WITHHELD}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_allocated_budget(self, project: Project) -> str | None:
        return project_json(project, project.milestones.all())["allocated_budget"]

    def to_representation(self, p: Project) -> dict:
        return project_json(p, p.milestones.all())


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
    extra_revision_price = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text='"150.00", or null: off.'
    )


class AccessInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.ChoiceField(choices=AccessRole.choices)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class HoldSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why, optional: both sides read it."
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why, required: both sides read it.")


class TemplateSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    builtin = serializers.BooleanField()
    milestones = serializers.ListField(child=serializers.DictField())


class PlanVersionSerializer(serializers.ModelSerializer):
    accepted_by = serializers.EmailField(source="accepted_by.email", allow_null=True)
    updated_at = serializers.DateTimeField(
        source="accepted_at", help_text="A version never changes: when it was accepted."
    )

    class Meta:
        model = PlanVersion
        fields = ["version", "reason", "accepted_by", "accepted_at", "snapshot", "updated_at"]


class ChangeSerializer(serializers.Serializer):
    """One field an event changed, with its values as recorded (amounts and dates as strings)."""

    field = serializers.CharField(help_text="The field's name, e.g. `budget`.")
    label = serializers.CharField(help_text="The field's name for people, e.g. `budget`.")
    old = serializers.JSONField(allow_null=True, help_text="The value before; null when new.")
    new = serializers.JSONField(allow_null=True, help_text="The value after; null when removed.")
    text = serializers.CharField(
        help_text="The change for people, e.g. `budget €2,000.00 → €1,900.00`."
    )


class EventSerializer(serializers.Serializer):
    """An activity entry; ``context["currency"]`` is the project's, for events without one."""

    id = serializers.IntegerField()
    sequence = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(
        source="created_at", help_text="An event never changes: when it was written."
    )
    actor = serializers.CharField(source="actor_label")
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    text = serializers.SerializerMethodField(
        help_text="What the actor did, for people, in the request's language: "
        "`changed milestone 2 “Design”: budget €2,000.00 → €1,900.00`."
    )
    changes = serializers.SerializerMethodField(
        help_text="Every field the event recorded before and after, in the order of the fields."
    )
    data = serializers.DictField()

    def get_text(self, event) -> str:
        return wording.describe(event, currency=self.context.get("currency", ""))

    @extend_schema_field(ChangeSerializer(many=True))
    def get_changes(self, event) -> list[dict]:
        data = event.data if isinstance(event.data, dict) else {}
        currency = wording.event_currency(data, self.context.get("currency", ""))
        return [
            {
                "field": change.field,
                "label": wording.field_label(event.target_type, change.field),
                "old": change.old,
                "new": change.new,
                "text": wording.phrase(event.target_type, change, currency=currency),
            }
            for change in wording.changes_of(data, event.target_type)
        ]
