"""Projects that existed before proposals were kept.

- Every project that was ever proposed (its audit trail has a ``plan.proposed`` event, or its
  status is past draft) gets ``first_proposed_at``: the first such event, else the best date the
  row has. A draft never proposed keeps none: it is the agency's alone.
- A project that is proposed now, or back in draft after a proposal, gets one ``PlanProposal``
  numbered like its last proposal in the audit trail. The trail keeps the proposed total, not the
  plan, so the snapshot is the plan as it stands at the upgrade (marked ``"backfilled": true``):
  for a proposed project that is what the client was shown (the plan is locked); for one already
  back in draft it holds the edits made before the upgrade, and hides every edit made after.
"""

from django.conf import settings
from django.db import migrations

from milepost.core.money import normalise

PROJECT_FIELDS = (
    "name",
    "summary",
    "currency",
    "total_budget",
    "start_date",
    "sequential_gating",
    "pay_before_next",
    "auto_approve_days",
    "default_revision_quota",
    "default_support_window_days",
    "payment_terms_days",
    "tax_rate",
)
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


def _json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "quantize"):
        return str(value)
    return value


def _snapshot(project, Milestone):
    currency = project.currency
    data = {key: _json(getattr(project, key)) for key in PROJECT_FIELDS}
    data["total_budget"] = str(normalise(project.total_budget, currency))
    milestones = Milestone.objects.filter(project_id=project.pk).order_by("position")
    return {
        "backfilled": True,
        "project": data,
        "milestones": [
            {
                "id": m.pk,
                "position": m.position,
                **{key: _json(getattr(m, key)) for key in MILESTONE_FIELDS},
                "budget": str(normalise(m.budget, currency)),
                "deliverables": [
                    {
                        "id": d.pk,
                        "position": d.position,
                        "title": d.title,
                        "acceptance_criteria": d.acceptance_criteria,
                    }
                    for d in m.deliverables.order_by("position", "id")
                ],
            }
            for m in milestones
        ],
    }


def backfill(apps, schema_editor):
    Project = apps.get_model("plans", "Project")
    Milestone = apps.get_model("plans", "Milestone")
    PlanProposal = apps.get_model("plans", "PlanProposal")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model(settings.AUTH_USER_MODEL)

    proposed = {}
    events = AuditEvent.objects.filter(action="plan.proposed", project_id__isnull=False)
    for event in events.order_by("created_at", "sequence").values(
        "project_id", "created_at", "actor_id"
    ):
        proposed.setdefault(event["project_id"], []).append(event)
    actors = {e["actor_id"] for rows in proposed.values() for e in rows if e["actor_id"]}
    users = set(User.objects.filter(pk__in=actors).values_list("pk", flat=True))

    for project in Project.objects.filter(first_proposed_at__isnull=True).iterator():
        history = proposed.get(project.pk, [])
        if project.status == "draft" and not history:
            continue  # never proposed
        first = history[0]["created_at"] if history else None
        first = first or project.proposed_at or project.accepted_at or project.created_at
        Project.objects.filter(pk=project.pk).update(first_proposed_at=first)
        if project.status not in ("draft", "proposed"):
            continue
        if PlanProposal.objects.filter(project_id=project.pk).exists():
            continue
        last = history[-1] if history else {}
        PlanProposal.objects.create(
            project_id=project.pk,
            number=max(len(history), 1),
            snapshot=_snapshot(project, Milestone),
            proposed_by_id=last.get("actor_id") if last.get("actor_id") in users else None,
            proposed_at=project.proposed_at or last.get("created_at") or first,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0004_proposals_and_first_proposed_at"),
        ("audit", "0003_alter_auditevent_actor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
