"""Projects that existed before proposals were kept.

- Every project that was ever proposed (its audit trail has a ``plan.proposed`` event, or its
  status is past draft) gets ``first_proposed_at``: the first such event, else the best date the
  row has. A draft never proposed keeps none: it is the agency's alone.
- A project that is proposed now, or back in draft after a proposal, gets one ``PlanProposal``
  numbered like its last proposal in the audit trail, marked ``"backfilled": true``. For a
  proposed project the snapshot is the plan as it stands: the plan is locked, so that is what the
  client was shown. For one back in draft the plan may hold edits made since, so the snapshot
  keeps only what the trail proves was proposed: the project's fields as ``project.created`` and
  the ``project.updated`` events before the last ``plan.proposed`` set them, the total that event
  recorded, and no milestones (the trail does not keep the plan). The client then sees the plan
  "being revised" until it is proposed again, never an edit in progress.
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


#: The events that show what a proposal held.
TRAIL = ("project.created", "project.updated", "plan.proposed")


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


def _as_proposed(trail):
    """What the audit trail proves the last proposal showed (``trail``: the project's created,
    updated and proposed events, in order): fields set before it, the total it recorded."""
    last = max((i for i, e in enumerate(trail) if e["action"] == "plan.proposed"), default=-1)
    data = {}
    for event in trail[:last]:
        after = (event["data"] or {}).get("after") or {}
        data.update({key: after[key] for key in PROJECT_FIELDS if after.get(key) is not None})
    if last >= 0 and trail[last]["data"].get("total_budget") is not None:
        data["total_budget"] = trail[last]["data"]["total_budget"]
    if "total_budget" in data and "currency" in data:
        data["total_budget"] = str(normalise(data["total_budget"], data["currency"]))
    return {"backfilled": True, "project": data, "milestones": []}


def _trail(project, AuditEvent):
    events = AuditEvent.objects.filter(project_id=project.pk, action__in=TRAIL)
    return list(events.order_by("created_at", "sequence").values("action", "data"))


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
            snapshot=_snapshot(project, Milestone)
            if project.status == "proposed"
            else _as_proposed(_trail(project, AuditEvent)),
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
