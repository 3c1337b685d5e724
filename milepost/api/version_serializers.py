"""JSON shapes of a plan version as it stood and of the difference between two versions.

The views render with plain dictionaries (``plans.versions.plan_json`` and ``diff_json``); these
serializers declare the same fields for the OpenAPI document, and the contract test checks every
answer against it (tests/api/test_contract.py)."""

from __future__ import annotations

from rest_framework import serializers

from milepost.plans.changes import FIELDS, SETTINGS
from milepost.plans.models import BillingTrigger

MONEY = "An amount with the currency's decimals, e.g. `3600.00`."
KINDS = ("added", "removed", "changed")


def money(help_text: str = MONEY) -> serializers.CharField:
    return serializers.CharField(help_text=help_text)


class VersionDeliverableSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text="The deliverable's id; null when the version did not record it."
    )
    title = serializers.CharField()
    acceptance_criteria = serializers.CharField(allow_blank=True)


class VersionMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text="The milestone's id; null when the version did not record it."
    )
    position = serializers.IntegerField(min_value=1)
    title = serializers.CharField()
    scope = serializers.CharField(allow_blank=True)
    budget = money()
    planned_start = serializers.DateField(allow_null=True)
    planned_due = serializers.DateField(allow_null=True)
    revision_quota = serializers.IntegerField()
    support_window_days = serializers.IntegerField()
    billing_trigger = serializers.ChoiceField(choices=BillingTrigger.choices)
    deliverables = VersionDeliverableSerializer(many=True)


class PlanVersionDetailSerializer(serializers.Serializer):
    """The whole plan as it stood when this version was accepted."""

    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(allow_blank=True, help_text="Why this version was made.")
    accepted_by = serializers.EmailField(
        allow_null=True, help_text="Who accepted it (null when their account is gone)."
    )
    accepted_at = serializers.DateTimeField()
    change_order = serializers.IntegerField(
        allow_null=True, help_text="The change order that made it (null: the baseline)."
    )
    currency = serializers.CharField(help_text="ISO 4217, e.g. `EUR`.")
    total = money("The project's total in this version, e.g. `13200.00`.")
    start_date = serializers.DateField(allow_null=True)
    milestones = VersionMilestoneSerializer(many=True)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=FIELDS)
    before = serializers.JSONField(
        allow_null=True, help_text="The value before: money as a string, a date as ISO 8601."
    )
    after = serializers.JSONField(allow_null=True, help_text="The value after, the same way.")


class DeliverableChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    title = serializers.CharField()


class MilestoneChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    position = serializers.IntegerField(
        help_text="Its position in the later version (in the earlier one when removed)."
    )
    title = serializers.CharField()
    moved_from = serializers.IntegerField(
        allow_null=True, help_text="Its earlier position when it moved; null otherwise."
    )
    fields = FieldChangeSerializer(
        many=True, help_text="What changed; for an added milestone every field, `before` null."
    )
    deliverables = DeliverableChangeSerializer(many=True)
    text = serializers.CharField(
        help_text="The change for people, in the request's language: `Milestone 3 · budget "
        "€3,000.00 → €3,600.00 · deliverable “Quote form” added`."
    )


class SettingChangeSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=SETTINGS)
    before = serializers.JSONField(
        allow_null=True, help_text="The value before: money as a string; null: not offered."
    )
    after = serializers.JSONField(allow_null=True, help_text="The value after, the same way.")
    text = serializers.CharField(
        help_text="The change for people: `Price per extra revision: €100.00 → €150.00`."
    )


class PlanVersionDiffSerializer(serializers.Serializer):
    """What changed from version `against` to version `version`, milestone by milestone."""

    version = serializers.IntegerField(min_value=1)
    against = serializers.IntegerField(min_value=1)
    currency = serializers.CharField()
    total_before = money("The total in version `against`.")
    total_after = money("The total in version `version`.")
    price = money("How much the total moved: `total_after - total_before` (may be negative).")
    milestones = MilestoneChangeSerializer(many=True)
    settings = SettingChangeSerializer(
        many=True, help_text="The project's settings that changed (the price per extra revision)."
    )
