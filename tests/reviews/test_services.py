"""Every rule and refusal of the review cycle, through the services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.core.models import DomainEvent
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews
from milepost.reviews.models import (
    Approval,
    Attachment,
    ChangeRequest,
    Delivery,
    Entry,
    RevisionGrant,
    SupportRequest,
    Verdict,
)

from ..factories import ClientFactory, ContactFactory
from .conftest import (
    BILLING_ACTIONS,
    ELF,
    EXE,
    PDF,
    actions_since,
    activate,
    counts,
    cycle_for,
    fresh,
    last_sequence,
    pdf,
    png,
    reload,
    upload,
)

MB = 1024 * 1024


def refused(exc_type, code, call, *args, **kwargs):
    """Run ``call`` expecting ``exc_type`` with ``code``; return the error."""
    with pytest.raises(exc_type) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value


def snapshot(milestone: Milestone) -> dict:
    m = reload(milestone)
    return {
        "status": m.status,
        "revisions_used": m.revisions_used,
        "revision_quota": m.revision_quota,
        "started_at": m.started_at,
        "review_started_at": m.review_started_at,
        "approved_at": m.approved_at,
        "support_ends_at": m.support_ends_at,
        "project": Project.objects.get(pk=m.project_id).status,
        "rows": counts(),
    }


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- start ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "proposed"])
def test_start_is_refused_until_the_project_is_active(draft, stage):
    if stage == "proposed":
        plans.plan_propose(project=draft.project, actor=draft.owner)
    before = snapshot(draft.m(1))
    error = refused(
        RuleViolation,
        "project_not_active",
        reviews.milestone_start,
        milestone=draft.m(1),
        actor=draft.member,
    )
    assert error.status == 409
    assert snapshot(draft.m(1)) == before


def test_start_moves_to_in_progress_and_records_it(cycle):
    seq = last_sequence(cycle.organisation)
    milestone = reviews.milestone_start(milestone=cycle.m(1), actor=cycle.member)
    assert milestone.status == "in_progress"
    assert milestone.started_at is not None
    assert reload(milestone).status == "in_progress"
    assert actions_since(seq, cycle.organisation) == ["milestone.started"]
    event = AuditEvent.objects.get(action="milestone.started", target_id=str(milestone.pk))
    assert event.actor_id == cycle.member.pk
    assert event.data["before"] == {"status": "planned"}
    assert event.data["after"] == {"status": "in_progress"}
    assert DomainEvent.objects.filter(name="milestone.started").count() == 1
    assert Entry.objects.filter(milestone=milestone, kind="started").count() == 1


def test_start_is_gated_on_the_previous_milestone(cycle):
    cycle.start(1)
    before = snapshot(cycle.m(2))
    error = refused(
        RuleViolation,
        "previous_milestone_not_approved",
        reviews.milestone_start,
        milestone=cycle.m(2),
        actor=cycle.owner,
    )
    assert error.details == {"waiting_for": cycle.m(1).pk}
    assert snapshot(cycle.m(2)) == before
    # Milestone 3 waits for the first one that is not approved: still milestone 1.
    error = refused(
        RuleViolation,
        "previous_milestone_not_approved",
        reviews.milestone_start,
        milestone=cycle.m(3),
        actor=cycle.owner,
    )
    assert error.details == {"waiting_for": cycle.m(1).pk}
    cycle.deliver(1)
    cycle.pass_all(1)
    cycle.approve(1)
    assert cycle.start(2).status == "in_progress"


def test_without_gating_later_milestones_start_in_any_order(world, make_project):
    project = make_project()
    plans.project_update(project=project, actor=fresh(world.owner), sequential_gating=False)
    c = cycle_for(world, activate(project, world.owner, world.contact))
    assert c.start(3).status == "in_progress"
    assert c.start(2).status == "in_progress"
    assert c.m(1).status == "planned"


def test_start_twice_is_an_invalid_transition(cycle):
    cycle.start(1)
    error = refused(
        RuleViolation,
        "invalid_transition",
        reviews.milestone_start,
        milestone=cycle.m(1),
        actor=cycle.member,
    )
    assert error.details == {"status": "in_progress", "action": "start"}


@pytest.mark.parametrize("who", ["owner", "manager", "member"])
def test_every_agency_role_may_start_and_deliver(cycle, who):
    actor = getattr(cycle, who)
    cycle.start(1, actor=actor)
    delivery = cycle.deliver(1, actor=actor)
    assert delivery.delivered_by == actor
    assert cycle.m(1).status == "in_review"


@pytest.mark.parametrize(("who", "error"), [("approver", NotAllowed), ("viewer", NotAllowed)])
def test_client_contacts_may_not_start_or_deliver(cycle, who, error):
    actor = getattr(cycle, who)
    before = snapshot(cycle.m(1))
    refused(error, error.default_code, reviews.milestone_start, milestone=cycle.m(1), actor=actor)
    assert snapshot(cycle.m(1)) == before
    cycle.start(1)
    before = snapshot(cycle.m(1))
    refused(
        error,
        error.default_code,
        reviews.milestone_deliver,
        milestone=cycle.m(1),
        actor=actor,
        notes="x",
    )
    assert snapshot(cycle.m(1)) == before


def test_outsiders_do_not_find_the_milestone(cycle):
    refused(
        NotFound, "not_found", reviews.milestone_start, milestone=cycle.m(1), actor=cycle.outsider
    )
    cycle.start(1)
    refused(
        NotFound,
        "not_found",
        reviews.milestone_deliver,
        milestone=cycle.m(1),
        actor=cycle.outsider,
        notes="x",
    )
    assert cycle.m(1).status == "in_progress"


# --- deliver -------------------------------------------------------------------------------------


@pytest.fixture
def started(cycle):
    cycle.start(1)
    return cycle


def assert_refused_without_change(c, exc_type, field, settings, **kwargs):
    """Deliver with ``kwargs`` is refused naming ``field``; nothing changed, no file kept."""
    before, files = snapshot(c.m(1)), stored_files(settings)
    values = {"notes": "Ready to test.", **kwargs}
    with pytest.raises(exc_type) as exc:
        reviews.milestone_deliver(milestone=c.m(1), actor=c.member, **values)
    assert exc.value.code == "invalid"
    assert field in exc.value.details
    assert snapshot(c.m(1)) == before
    assert stored_files(settings) == files
    assert Delivery.objects.count() == before["rows"]["Delivery"]
    assert Attachment.objects.count() == before["rows"]["Attachment"]
    return exc.value


@pytest.mark.parametrize("notes", ["", "   \n "])
def test_deliver_needs_notes(started, settings, notes):
    error = assert_refused_without_change(started, InvalidInput, "notes", settings, notes=notes)
    assert error.status == 400


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "ftp://example.com/site",
        "data:text/html,<script>alert(1)</script>",
        "not a url",
        "https://example.com/" + "a" * 600,  # longer than the column (500)
    ],
)
def test_deliver_refuses_a_preview_url_that_is_not_http(started, settings, url):
    assert_refused_without_change(started, InvalidInput, "preview_url", settings, preview_url=url)


def test_deliver_reports_every_bad_field_at_once(started, settings):
    error = assert_refused_without_change(
        started, InvalidInput, "notes", settings, notes="", preview_url="javascript:alert(1)"
    )
    assert set(error.details) == {"notes", "preview_url"}


def test_deliver_refuses_a_26_mb_file(started, settings):
    settings.MAX_UPLOAD_MB = 25
    big = pdf("big.pdf", size=26 * MB)
    error = assert_refused_without_change(started, InvalidInput, "files", settings, files=[big])
    assert "25 MB" in error.message


def test_deliver_refuses_a_file_over_a_lower_limit(started, settings):
    settings.MAX_UPLOAD_MB = 1
    assert_refused_without_change(
        started, InvalidInput, "files", settings, files=[png(), pdf("two.pdf", size=2 * MB)]
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [("report.pdf", EXE + b"\x00" * 512), ("screen.png", ELF + b"\x00" * 512)],
    ids=["exe-as-pdf", "elf-as-png"],
)
def test_deliver_refuses_an_executable_in_disguise(started, settings, name, content):
    # A valid file first: nothing of the batch is kept when one file is refused.
    assert_refused_without_change(
        started, InvalidInput, "files", settings, files=[pdf("ok.pdf"), upload(name, content)]
    )


@pytest.mark.parametrize("name", ["../../etc/report.pdf", "sub/report.pdf", "..\\report.pdf"])
def test_deliver_refuses_a_name_with_folders(started, settings, name):
    file = pdf()
    file._name = name  # as sent by a client, before Django's own basename()
    assert_refused_without_change(started, InvalidInput, "files", settings, files=[file])


def test_deliver_refuses_too_many_files(started, settings):
    files = [pdf(f"f{i}.pdf") for i in range(settings.MAX_FILES_PER_UPLOAD + 1)]
    error = assert_refused_without_change(started, InvalidInput, "files", settings, files=files)
    # The field's own message says how many were sent and what the limit is.
    assert error.details["files"] == ["11 files sent; at most 10 at once."]


def test_deliver_in_the_wrong_state_is_an_invalid_transition(cycle):
    before = snapshot(cycle.m(1))
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.milestone_deliver,
        milestone=cycle.m(1),
        actor=cycle.member,
        notes="x",
    )
    assert snapshot(cycle.m(1)) == before
    cycle.start(1)
    cycle.deliver(1)
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.milestone_deliver,
        milestone=cycle.m(1),
        actor=cycle.member,
        notes="again",
    )
    assert Delivery.objects.filter(milestone=cycle.m(1)).count() == 1


def test_deliveries_are_numbered_and_kept(started):
    v1 = started.deliver(1, notes="  First version.  ", preview_url="https://staging.example.com")
    assert (v1.number, str(v1), v1.notes) == (1, "v1", "First version.")
    assert v1.preview_url == "https://staging.example.com"
    m = started.m(1)
    assert m.status == "in_review"
    assert m.review_started_at == v1.created_at
    started.request_changes(1)
    v2 = started.deliver(1, notes="Second version.")
    assert (v2.number, str(v2)) == (2, "v2")
    assert list(Delivery.objects.filter(milestone=m).values_list("number", flat=True)) == [1, 2]
    assert reviews.current_delivery(started.m(1)) == v2
    entries = Entry.objects.filter(milestone=m, kind="delivery").order_by("id")
    assert [e.delivery_id for e in entries] == [v1.pk, v2.pk]


def test_attachments_are_stored_with_a_safe_name(started, settings):
    files = [pdf("Final report (v1) <draft>.pdf"), png("screen shot.png"), upload("a.txt", b"hi")]
    delivery = started.deliver(1, files=files)
    attachments = list(Attachment.objects.filter(entry__delivery=delivery).order_by("id"))
    assert [a.name for a in attachments] == [
        "Final_report_v1_draft.pdf",
        "screen_shot.png",
        "a.txt",
    ]
    assert [a.content_type for a in attachments] == ["application/pdf", "image/png", "text/plain"]
    milestone = started.m(1)
    for attachment in attachments:
        assert attachment.milestone_id == milestone.pk
        assert attachment.uploaded_by_id == started.member.pk
        assert attachment.file.name.startswith(f"attachments/{milestone.pk}/")
        assert ".." not in attachment.file.name
        path = Path(attachment.file.path).resolve()
        assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
        assert path.stat().st_size == attachment.size
    assert Path(attachments[0].file.path).read_bytes() == PDF
    event = AuditEvent.objects.get(action="milestone.delivered")
    assert event.data["files"] == [a.name for a in attachments]


def test_two_files_with_the_same_name_do_not_overwrite_each_other(started):
    started.deliver(1, files=[upload("notes.txt", b"one")])
    started.request_changes(1)
    started.deliver(1, files=[upload("notes.txt", b"two")])
    stored = [a.file for a in Attachment.objects.order_by("id")]
    assert stored[0].name != stored[1].name
    assert [Path(f.path).read_bytes() for f in stored] == [b"one", b"two"]


# --- verdicts ------------------------------------------------------------------------------------


@pytest.fixture
def in_review(cycle):
    cycle.to_review(1)
    return cycle


def test_the_approver_marks_deliverables_passed_or_failed(in_review):
    first, second, *_ = in_review.deliverables(1)
    seq = last_sequence(in_review.organisation)
    verdict = reviews.deliverable_verdict(
        deliverable=first, actor=in_review.approver, status="failed", note=" Menu overlaps. "
    )
    assert (verdict.status, verdict.note, verdict.decided_by) == (
        "failed",
        "Menu overlaps.",
        in_review.approver,
    )
    # Changing one's mind updates the verdict of this delivery.
    reviews.deliverable_verdict(deliverable=first, actor=in_review.approver, status="passed")
    reviews.deliverable_verdict(deliverable=second, actor=in_review.approver, status="failed")
    assert Verdict.objects.count() == 2
    rows = reviews.checklist(in_review.m(1), reviews.current_delivery(in_review.m(1)))
    assert [r["status"] for r in rows] == ["passed", "failed", "untested", "untested"]
    assert actions_since(seq, in_review.organisation) == ["deliverable.verdict"] * 3
    assert in_review.m(1).status == "in_review"


@pytest.mark.parametrize("status", ["", "maybe", "PASSED", "untested", None])
def test_a_verdict_is_passed_or_failed_only(in_review, status):
    before = snapshot(in_review.m(1))
    error = refused(
        InvalidInput,
        "invalid",
        reviews.deliverable_verdict,
        deliverable=in_review.deliverables(1)[0],
        actor=in_review.approver,
        status=status,
    )
    assert "status" in error.details
    assert snapshot(in_review.m(1)) == before


@pytest.mark.parametrize(
    ("who", "error"),
    [("viewer", NotAllowed), ("member", NotAllowed), ("owner", NotAllowed), ("outsider", NotFound)],
)
def test_only_the_approver_gives_verdicts(in_review, who, error):
    before = snapshot(in_review.m(1))
    refused(
        error,
        error.default_code,
        reviews.deliverable_verdict,
        deliverable=in_review.deliverables(1)[0],
        actor=getattr(in_review, who),
        status="passed",
    )
    assert snapshot(in_review.m(1)) == before


def test_verdicts_only_during_review(cycle):
    cycle.start(1)
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.deliverable_verdict,
        deliverable=cycle.deliverables(1)[0],
        actor=cycle.approver,
        status="passed",
    )
    cycle.deliver(1)
    cycle.request_changes(1)
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.deliverable_verdict,
        deliverable=cycle.deliverables(1)[0],
        actor=cycle.approver,
        status="passed",
    )
    assert Verdict.objects.count() == 0


def test_a_deliverable_of_a_project_without_access_is_not_found(in_review, world):
    # Same agency, same client, but the contact has no access to this project.
    other = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=in_review.owner,
        template="website-cms",
        name="Other",
        currency="EUR",
        total_budget="5000.00",
        start_date=dt.date(2027, 1, 4),
    )
    deliverable = other.milestones.get(position=1).deliverables.first()
    refused(
        NotFound,
        "not_found",
        reviews.deliverable_verdict,
        deliverable=deliverable,
        actor=in_review.approver,
        status="passed",
    )
    # A deliverable of another agency's project.
    client = ClientFactory(organisation=world.other_organisation)
    foreign = plans.project_create(
        organisation=world.other_organisation,
        client=client,
        actor=in_review.outsider,
        template="website-cms",
        name="Foreign",
        currency="EUR",
        total_budget="5000.00",
        start_date=dt.date(2027, 1, 4),
    )
    deliverable = foreign.milestones.get(position=1).deliverables.first()
    refused(
        NotFound,
        "not_found",
        reviews.deliverable_verdict,
        deliverable=deliverable,
        actor=in_review.approver,
        status="passed",
    )
    assert Verdict.objects.count() == 0


def test_a_deliverable_of_a_project_seen_as_viewer_is_not_allowed(world, make_project):
    ours = cycle_for(world, activate(make_project(), world.owner, world.contact))
    # A second project where our approver is only a viewer.
    second = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=ours.owner,
        template="website-cms",
        name="Second",
        currency="EUR",
        total_budget="5000.00",
        start_date=dt.date(2027, 1, 4),
    )
    other_approver = ContactFactory(client=world.client).user
    plans.project_access_grant(
        project=second, email=other_approver.email, role="approver", actor=ours.owner
    )
    plans.project_access_grant(
        project=second, email=world.contact.email, role="viewer", actor=ours.owner
    )
    second = activate(second, world.owner, other_approver)
    theirs = cycle_for(world, second)
    theirs.approver = fresh(other_approver)
    theirs.to_review(1)
    refused(
        NotAllowed,
        "permission_denied",
        reviews.deliverable_verdict,
        deliverable=theirs.deliverables(1)[0],
        actor=fresh(world.contact),
        status="passed",
    )
    assert Verdict.objects.count() == 0


def test_verdicts_belong_to_one_delivery(in_review):
    """v2 gets its own verdict rows (passed ones carried over); v1's stay as they were."""
    in_review.pass_all(1)
    v1 = reviews.current_delivery(in_review.m(1))
    in_review.request_changes(1)
    v2 = in_review.deliver(1)
    n = len(in_review.deliverables(1))
    assert Verdict.objects.filter(delivery=v1, carried_from=None).count() == n
    assert Verdict.objects.filter(delivery=v2).exclude(carried_from=None).count() == n
    rows = reviews.checklist(in_review.m(1), v2)
    assert {(r["status"], r["carried_from"]) for r in rows} == {("passed", 1)}


# --- request changes and revisions ---------------------------------------------------------------


@pytest.mark.parametrize("feedback", ["", "  \n\t "])
def test_request_changes_needs_feedback(in_review, feedback):
    before = snapshot(in_review.m(1))
    error = refused(
        InvalidInput,
        "invalid",
        reviews.milestone_request_changes,
        milestone=in_review.m(1),
        actor=in_review.approver,
        feedback=feedback,
    )
    assert "feedback" in error.details
    assert snapshot(in_review.m(1)) == before


def test_request_changes_uses_one_revision(in_review):
    seq = last_sequence(in_review.organisation)
    request = in_review.request_changes(1, feedback="  The **logo** is blurry.  ")
    m = in_review.m(1)
    assert (m.status, m.revisions_used, m.revision_quota) == ("changes_requested", 1, 2)
    assert request.feedback == "The **logo** is blurry."
    assert request.delivery == reviews.current_delivery(m)
    assert request.requested_by == in_review.approver
    entry = Entry.objects.get(milestone=m, kind="changes")
    assert "<strong>logo</strong>" in entry.body_html
    assert actions_since(seq, in_review.organisation) == ["milestone.changes_requested"]
    event = AuditEvent.objects.get(action="milestone.changes_requested")
    assert event.data["revisions_used"] == 1
    assert event.data["after"] == {"status": "changes_requested"}


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("viewer", NotAllowed),
        ("member", NotAllowed),
        ("manager", NotAllowed),
        ("outsider", NotFound),
    ],
)
def test_only_the_approver_requests_changes(in_review, who, error):
    before = snapshot(in_review.m(1))
    refused(
        error,
        error.default_code,
        reviews.milestone_request_changes,
        milestone=in_review.m(1),
        actor=getattr(in_review, who),
        feedback="Change it.",
    )
    assert snapshot(in_review.m(1)) == before


def test_request_changes_only_in_review(started):
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.milestone_request_changes,
        milestone=started.m(1),
        actor=started.approver,
        feedback="x",
    )
    assert started.m(1).revisions_used == 0


def use_all_revisions(c, position=1):
    for _ in range(c.m(position).revision_quota - c.m(position).revisions_used):
        c.request_changes(position)
        c.deliver(position)


def test_request_changes_with_no_revision_left_is_refused(in_review):
    use_all_revisions(in_review)
    m = in_review.m(1)
    assert (m.status, m.revisions_used, m.revision_quota) == ("in_review", 2, 2)
    before = snapshot(m)
    error = refused(
        RuleViolation,
        "revision_quota_exhausted",
        reviews.milestone_request_changes,
        milestone=in_review.m(1),
        actor=in_review.approver,
        feedback="One more thing.",
    )
    assert error.status == 409
    assert snapshot(in_review.m(1)) == before


def test_the_agency_grants_an_extra_revision(in_review):
    use_all_revisions(in_review)
    seq = last_sequence(in_review.organisation)
    grant = reviews.milestone_grant_revision(
        milestone=in_review.m(1), actor=in_review.manager, reason="  Our mistake on the menu. "
    )
    assert isinstance(grant, RevisionGrant)
    assert grant.reason == "Our mistake on the menu."
    assert in_review.m(1).revision_quota == 3
    assert actions_since(seq, in_review.organisation) == ["milestone.revision_granted"]
    in_review.request_changes(1)
    m = in_review.m(1)
    assert (m.status, m.revisions_used, m.revision_quota) == ("changes_requested", 3, 3)
    reviews.milestone_grant_revision(
        milestone=in_review.m(1), actor=in_review.owner, reason="Again"
    )
    assert in_review.m(1).revision_quota == 4


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("member", NotAllowed),
        ("approver", NotAllowed),
        ("viewer", NotAllowed),
        ("outsider", NotFound),
    ],
)
def test_only_owners_and_managers_grant_revisions(in_review, who, error):
    before = snapshot(in_review.m(1))
    refused(
        error,
        error.default_code,
        reviews.milestone_grant_revision,
        milestone=in_review.m(1),
        actor=getattr(in_review, who),
        reason="Because.",
    )
    assert snapshot(in_review.m(1)) == before


def test_a_grant_needs_a_reason(in_review):
    before = snapshot(in_review.m(1))
    error = refused(
        InvalidInput,
        "invalid",
        reviews.milestone_grant_revision,
        milestone=in_review.m(1),
        actor=in_review.manager,
        reason="  ",
    )
    assert "reason" in error.details
    assert snapshot(in_review.m(1)) == before


def test_no_grant_on_a_closed_milestone(in_review):
    in_review.pass_all(1)
    in_review.approve(1)
    with clock.frozen(in_review.m(1).support_ends_at):
        reviews.run_due_work()
    assert in_review.m(1).status == "closed"
    before = snapshot(in_review.m(1))
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.milestone_grant_revision,
        milestone=in_review.m(1),
        actor=in_review.manager,
        reason="Late",
    )
    assert snapshot(in_review.m(1)) == before


# --- approve -------------------------------------------------------------------------------------


def test_approve_with_open_items_needs_confirmation(in_review):
    first, second, *_ = in_review.deliverables(1)
    reviews.deliverable_verdict(deliverable=first, actor=in_review.approver, status="passed")
    reviews.deliverable_verdict(
        deliverable=second, actor=in_review.approver, status="failed", note="Broken"
    )
    before = snapshot(in_review.m(1))
    error = refused(
        RuleViolation,
        "open_items_not_confirmed",
        reviews.milestone_approve,
        milestone=in_review.m(1),
        actor=in_review.approver,
    )
    open_items = error.details["open_items"]
    assert [(row["title"], row["status"]) for row in open_items] == [
        (d.title, s)
        for d, s in zip(
            in_review.deliverables(1)[1:], ["failed", "untested", "untested"], strict=True
        )
    ]
    assert open_items[0]["note"] == "Broken"
    assert error.message.startswith("3 deliverables have not passed.")
    assert snapshot(in_review.m(1)) == before


def test_approve_with_one_open_item_says_so_in_the_singular(in_review):
    _untested, *others = in_review.deliverables(1)
    for d in others:
        reviews.deliverable_verdict(deliverable=d, actor=in_review.approver, status="passed")
    error = refused(
        RuleViolation,
        "open_items_not_confirmed",
        reviews.milestone_approve,
        milestone=in_review.m(1),
        actor=in_review.approver,
    )
    assert error.message.startswith("1 deliverable has not passed.")
    assert "an open item: it becomes a support request" in error.message


def test_approve_with_open_items_confirmed_turns_them_into_support_requests(in_review):
    deliverables = in_review.deliverables(1)
    for d in deliverables[:2]:
        reviews.deliverable_verdict(deliverable=d, actor=in_review.approver, status="passed")
    reviews.deliverable_verdict(
        deliverable=deliverables[2], actor=in_review.approver, status="failed", note="Tab order"
    )
    seq = last_sequence(in_review.organisation)
    approval = in_review.approve(1, note=" Good enough. ", accept_open_items=True)
    m = in_review.m(1)
    assert m.status == "approved"
    assert m.approved_by == in_review.approver
    assert m.revisions_used == 0  # open items use no revision
    assert m.support_ends_at == m.approved_at + dt.timedelta(days=m.support_window_days)
    assert m.support_window_days == 14
    assert approval.delivery == reviews.current_delivery(m)
    assert (approval.approved_by, approval.automatic, approval.note) == (
        in_review.approver,
        False,
        "Good enough.",
    )
    assert approval.open_items == 2
    assert [row["status"] for row in approval.checklist] == [
        "passed",
        "passed",
        "failed",
        "untested",
    ]
    assert Approval.objects.get(milestone=m).checklist == approval.checklist
    requests = list(SupportRequest.objects.filter(milestone=m).order_by("id"))
    assert [r.deliverable_id for r in requests] == [d.pk for d in deliverables[2:]]
    assert all(not r.uses_revision and r.status == "open" for r in requests)
    assert "Tab order" in requests[0].description
    assert actions_since(seq, in_review.organisation) == ["milestone.approved"]
    # The approval fires billing's trigger once (an invoice for milestones billed on approval).
    assert actions_since(seq, in_review.organisation, billing=True).count("invoice.issued") == 1
    event = AuditEvent.objects.get(action="milestone.approved")
    assert event.actor_id == in_review.approver.pk
    assert event.data["open_items"] == 2
    assert event.data["automatic"] is False
    events = DomainEvent.objects.filter(name="milestone.approved")
    assert events.count() == 1
    assert events.get().payload == {
        "milestone": m.pk,
        "project": m.project_id,
        "approval": approval.pk,
        "automatic": False,
    }
    assert Project.objects.get(pk=m.project_id).status == "active"


def test_approve_with_everything_passed_needs_no_confirmation(in_review):
    in_review.pass_all(1)
    approval = in_review.approve(1)
    assert approval.open_items == 0
    assert SupportRequest.objects.count() == 0
    assert {row["status"] for row in approval.checklist} == {"passed"}


@pytest.mark.parametrize(
    ("who", "error"),
    [("viewer", NotAllowed), ("member", NotAllowed), ("owner", NotAllowed), ("outsider", NotFound)],
)
def test_only_the_approver_approves(in_review, who, error):
    in_review.pass_all(1)
    before = snapshot(in_review.m(1))
    refused(
        error,
        error.default_code,
        reviews.milestone_approve,
        milestone=in_review.m(1),
        actor=getattr(in_review, who),
    )
    assert snapshot(in_review.m(1)) == before


@pytest.mark.parametrize("stage", ["planned", "in_progress", "changes_requested", "approved"])
def test_approve_only_in_review(cycle, stage):
    if stage != "planned":
        cycle.start(1)
    if stage in {"changes_requested", "approved"}:
        cycle.deliver(1)
        cycle.pass_all(1)
        if stage == "changes_requested":
            cycle.request_changes(1)
        else:
            cycle.approve(1)
    before = snapshot(cycle.m(1))
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.milestone_approve,
        milestone=cycle.m(1),
        actor=cycle.approver,
        accept_open_items=True,
    )
    assert snapshot(cycle.m(1)) == before


def test_the_project_completes_when_the_last_milestone_is_approved(cycle):
    for position in range(1, 6):
        assert Project.objects.get(pk=cycle.project.pk).status == "active"
        cycle.to_approved(position)
    assert list(cycle.project.milestones.values_list("status", flat=True)) == ["approved"] * 5
    assert Project.objects.get(pk=cycle.project.pk).status == "completed"
    completed = AuditEvent.objects.filter(action="project.completed")
    assert completed.count() == 1
    assert completed.get().actor_id == cycle.approver.pk
    assert DomainEvent.objects.filter(name="milestone.approved").count() == 5
    assert verify_chains().ok


# --- support requests ----------------------------------------------------------------------------


@pytest.fixture
def approved(in_review):
    in_review.pass_all(1)
    in_review.approve(1)
    return in_review


def file_support(c, description="The footer link is broken.", actor=None, **kw):
    return reviews.support_request_file(
        milestone=c.m(1), actor=actor or c.approver, description=description, **kw
    )


def test_support_requests_during_the_window_use_a_revision(approved):
    seq = last_sequence(approved.organisation)
    request = file_support(approved, files=[png()])
    assert (request.uses_revision, request.status, request.filed_by) == (
        True,
        "open",
        approved.approver,
    )
    assert approved.m(1).revisions_used == 1
    assert Attachment.objects.filter(entry__kind="support").count() == 1
    assert actions_since(seq, approved.organisation) == ["support_request.filed"]


def test_support_requests_need_a_description(approved):
    before = snapshot(approved.m(1))
    error = refused(InvalidInput, "invalid", file_support, approved, description=" ")
    assert "description" in error.details
    assert snapshot(approved.m(1)) == before


@pytest.mark.parametrize(
    ("who", "error"), [("viewer", NotAllowed), ("member", NotAllowed), ("outsider", NotFound)]
)
def test_only_the_approver_files_support_requests(approved, who, error):
    before = snapshot(approved.m(1))
    refused(error, error.default_code, file_support, approved, actor=getattr(approved, who))
    assert snapshot(approved.m(1)) == before


def test_support_requests_are_refused_with_no_revision_left(approved):
    file_support(approved)
    file_support(approved)
    before = snapshot(approved.m(1))
    assert before["revisions_used"] == before["revision_quota"] == 2
    refused(RuleViolation, "revision_quota_exhausted", file_support, approved)
    assert snapshot(approved.m(1)) == before
    reviews.milestone_grant_revision(milestone=approved.m(1), actor=approved.owner, reason="Ok")
    file_support(approved)
    assert approved.m(1).revisions_used == 3


def test_support_requests_only_inside_the_window(in_review):
    refused(RuleViolation, "support_window_closed", file_support, in_review)
    in_review.pass_all(1)
    in_review.approve(1)
    ends = in_review.m(1).support_ends_at
    with clock.frozen(ends - dt.timedelta(minutes=1)):
        file_support(in_review)
    with clock.frozen(ends):
        before = snapshot(in_review.m(1))
        refused(RuleViolation, "support_window_closed", file_support, in_review)
        assert snapshot(in_review.m(1)) == before
    with clock.frozen(ends + dt.timedelta(days=1)):
        reviews.run_due_work()
        refused(RuleViolation, "support_window_closed", file_support, in_review)
    assert in_review.m(1).status == "closed"


def test_the_agency_resolves_a_support_request_once(approved):
    request = file_support(approved)
    seq = last_sequence(approved.organisation)
    resolved = reviews.support_request_resolve(
        request=request, actor=approved.member, resolution=" Fixed the link. "
    )
    assert (resolved.status, resolved.resolved_by, resolved.resolution) == (
        "resolved",
        approved.member,
        "Fixed the link.",
    )
    assert resolved.resolved_at is not None
    assert actions_since(seq, approved.organisation) == ["support_request.resolved"]
    before = snapshot(approved.m(1))
    refused(
        RuleViolation,
        "state_conflict",
        reviews.support_request_resolve,
        request=SupportRequest.objects.get(pk=request.pk),
        actor=approved.owner,
    )
    assert snapshot(approved.m(1)) == before
    assert SupportRequest.objects.get(pk=request.pk).resolved_by == approved.member


@pytest.mark.parametrize(
    ("who", "error"), [("approver", NotAllowed), ("viewer", NotAllowed), ("outsider", NotFound)]
)
def test_only_the_agency_resolves_support_requests(approved, who, error):
    request = file_support(approved)
    refused(
        error,
        error.default_code,
        reviews.support_request_resolve,
        request=request,
        actor=getattr(approved, who),
    )
    assert SupportRequest.objects.get(pk=request.pk).status == "open"


# --- time: auto-approval and the end of the support window ----------------------------------------


def test_auto_approval_after_the_period(in_review):
    reviews.deliverable_verdict(
        deliverable=in_review.deliverables(1)[0], actor=in_review.approver, status="passed"
    )
    m = in_review.m(1)
    due = m.review_started_at + dt.timedelta(days=in_review.project.auto_approve_days)
    assert in_review.project.auto_approve_days == 14
    assert m.auto_approve_at == due
    with clock.frozen(due - dt.timedelta(minutes=1)):
        assert reviews.run_due_work().auto_approved == 0
    assert in_review.m(1).status == "in_review"
    seq = last_sequence(in_review.organisation)
    with clock.frozen(due + dt.timedelta(minutes=1)):
        report = reviews.run_due_work()
    assert (report.auto_approved, report.closed) == (1, 0)
    m = in_review.m(1)
    assert (m.status, m.approved_by) == ("approved", None)
    assert m.approved_at == due + dt.timedelta(minutes=1)
    approval = Approval.objects.get(milestone=m)
    assert (approval.automatic, approval.approved_by, approval.open_items) == (True, None, 3)
    assert "14 days" in approval.note
    requests = SupportRequest.objects.filter(milestone=m)
    assert requests.count() == 3
    assert all(not r.uses_revision and r.filed_by is None for r in requests)
    assert actions_since(seq, in_review.organisation) == ["milestone.approved"]
    assert actions_since(seq, in_review.organisation, billing=True).count("invoice.issued") == 1
    event = AuditEvent.objects.get(action="milestone.approved")
    assert (event.actor_id, event.actor_label) == (None, "system")
    assert event.data["automatic"] is True
    assert DomainEvent.objects.get(name="milestone.approved").payload["automatic"] is True

    rows = counts()
    with clock.frozen(due + dt.timedelta(minutes=2)):
        report = reviews.run_due_work()
    assert (report.auto_approved, report.closed) == (0, 0)
    assert counts() == rows
    assert verify_chains().ok


def test_auto_approval_is_off_with_zero_days(world, make_project):
    project = make_project()
    plans.project_update(project=project, actor=fresh(world.owner), auto_approve_days=0)
    c = cycle_for(world, activate(project, world.owner, world.contact))
    c.to_review(1)
    assert c.m(1).auto_approve_at is None
    rows = counts()
    with clock.frozen(c.m(1).review_started_at + dt.timedelta(days=400)):
        assert reviews.run_due_work().auto_approved == 0
    assert c.m(1).status == "in_review"
    assert counts() == rows


def test_the_support_window_end_closes_the_milestone_once(approved):
    m = approved.m(1)
    ends = m.support_ends_at
    with clock.frozen(ends - dt.timedelta(seconds=1)):
        assert reviews.run_due_work().closed == 0
        refused(
            RuleViolation, "support_window_open", reviews.milestone_close, milestone=approved.m(1)
        )
    assert approved.m(1).status == "approved"
    seq = last_sequence(approved.organisation)
    with clock.frozen(ends):
        report = reviews.run_due_work()
    assert (report.auto_approved, report.closed) == (0, 1)
    m = approved.m(1)
    assert (m.status, m.closed_at) == ("closed", ends)
    assert actions_since(seq, approved.organisation) == ["milestone.closed"]
    event = AuditEvent.objects.get(action="milestone.closed")
    assert event.actor_label == "system"
    assert Entry.objects.filter(milestone=m, kind="closed", author=None).count() == 1
    rows = counts()
    with clock.frozen(ends + dt.timedelta(days=3)):
        assert reviews.run_due_work().closed == 0
    assert counts() == rows
    assert approved.m(1).status == "closed"


def test_auto_approval_of_the_last_milestone_completes_the_project(cycle):
    for position in range(1, 5):
        cycle.to_approved(position)
    cycle.to_review(5)
    with clock.frozen(cycle.m(5).auto_approve_at + dt.timedelta(seconds=1)):
        reviews.run_due_work()
    assert Project.objects.get(pk=cycle.project.pk).status == "completed"
    assert AuditEvent.objects.get(action="project.completed").actor_label == "system"


# --- the thread ----------------------------------------------------------------------------------


def test_comments_are_stored_sanitised(started):
    body = (
        "Looks good <script>alert('x')</script>\n\n"
        "<img src=x onerror=alert(1)>\n\n"
        "[click me](javascript:alert(document.cookie)) and [docs](https://example.com)"
    )
    entry = reviews.comment_add(milestone=started.m(1), actor=started.approver, body=body)
    assert entry.body == body.strip()
    html = entry.body_html.lower()
    for bad in ("<script", "onerror", "javascript:", "alert("):
        assert bad not in html
    assert 'href="https://example.com"' in html
    assert "noopener" in html
    assert Entry.objects.get(pk=entry.pk).body_html == entry.body_html


@pytest.mark.parametrize("who", ["owner", "member", "approver", "viewer"])
def test_everyone_who_sees_the_project_may_comment(started, who):
    entry = reviews.comment_add(
        milestone=started.m(1), actor=getattr(started, who), body="Hi", files=[png()]
    )
    assert (entry.kind, entry.author) == ("comment", getattr(started, who))
    assert entry.attachments.count() == 1


def test_outsiders_cannot_comment(started):
    refused(
        NotFound,
        "not_found",
        reviews.comment_add,
        milestone=started.m(1),
        actor=started.outsider,
        body="Hi",
    )
    assert Entry.objects.filter(kind="comment").count() == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * 20001])
def test_a_comment_needs_text_within_the_limit(started, body):
    refused(
        InvalidInput,
        "invalid",
        reviews.comment_add,
        milestone=started.m(1),
        actor=started.viewer,
        body=body,
    )
    assert Entry.objects.filter(kind="comment").count() == 0


def test_a_comment_with_a_refused_file_keeps_nothing(started, settings):
    files = stored_files(settings)
    refused(
        InvalidInput,
        "invalid",
        reviews.comment_add,
        milestone=started.m(1),
        actor=started.viewer,
        body="See file",
        files=[upload("report.pdf", EXE)],
    )
    assert Entry.objects.filter(kind="comment").count() == 0
    assert stored_files(settings) == files


# --- concurrency seen by one caller: a stale object --------------------------------------------


def test_a_stale_milestone_is_a_state_conflict(in_review):
    in_review.pass_all(1)
    stale = in_review.m(1)  # seen in review ...
    in_review.approve(1)  # ... approved meanwhile
    assert stale.status == "in_review"
    before = snapshot(stale)
    for call, kwargs in [
        (reviews.milestone_approve, {"accept_open_items": True}),
        (reviews.milestone_request_changes, {"feedback": "Too late?"}),
    ]:
        refused(
            RuleViolation,
            "state_conflict",
            call,
            milestone=stale,
            actor=in_review.approver,
            **kwargs,
        )
    assert snapshot(stale) == before
    assert Approval.objects.count() == 1
    assert ChangeRequest.objects.count() == 0
    assert DomainEvent.objects.filter(name="milestone.approved").count() == 1


def test_a_stale_delivery_is_a_state_conflict(started):
    stale = started.m(1)
    started.deliver(1)
    before = snapshot(stale)
    refused(
        RuleViolation,
        "state_conflict",
        reviews.milestone_deliver,
        milestone=stale,
        actor=started.member,
        notes="Me too",
        files=[pdf()],
    )
    assert snapshot(stale) == before
    assert Delivery.objects.count() == 1


def test_a_stale_start_is_a_state_conflict(cycle):
    stale = cycle.m(1)
    cycle.start(1)
    refused(
        RuleViolation, "state_conflict", reviews.milestone_start, milestone=stale, actor=cycle.owner
    )
    assert AuditEvent.objects.filter(action="milestone.started").count() == 1


# --- audit ---------------------------------------------------------------------------------------


def test_every_step_of_a_full_cycle_is_audited_and_the_chain_holds(cycle):
    seq = last_sequence(cycle.organisation)
    first = cycle.deliverables(1)[0]
    cycle.start(1)
    cycle.deliver(1, files=[pdf()])
    reviews.deliverable_verdict(deliverable=first, actor=cycle.approver, status="failed")
    cycle.request_changes(1)
    reviews.milestone_grant_revision(milestone=cycle.m(1), actor=cycle.manager, reason="Kind")
    cycle.deliver(1)
    reviews.comment_add(milestone=cycle.m(1), actor=cycle.viewer, body="Nice")  # not audited
    cycle.pass_all(1)
    cycle.approve(1)
    request = file_support(cycle)
    reviews.support_request_resolve(request=request, actor=cycle.member)
    with clock.frozen(cycle.m(1).support_ends_at):
        reviews.run_due_work()
    assert actions_since(seq, cycle.organisation) == [
        "milestone.started",
        "milestone.delivered",
        "deliverable.verdict",
        "milestone.changes_requested",
        "milestone.revision_granted",
        "milestone.delivered",
        *["deliverable.verdict"] * 4,
        "milestone.approved",
        "support_request.filed",
        "support_request.resolved",
        "milestone.closed",
    ]
    assert actions_since(seq, cycle.organisation, billing=True).count("invoice.issued") == 1
    events = [
        e
        for e in AuditEvent.objects.filter(chain=f"org:{cycle.organisation.pk}", sequence__gt=seq)
        if not e.action.startswith(BILLING_ACTIONS)
    ]
    assert {e.project_id for e in events} == {cycle.project.pk}
    assert all(e.data["milestone"] == cycle.m(1).pk for e in events)
    report = verify_chains()
    assert report.ok, report.reason


def test_refusals_write_no_audit_event(cycle):
    seq = last_sequence(cycle.organisation)
    attempts = [
        lambda: reviews.milestone_start(milestone=cycle.m(2), actor=cycle.member),
        lambda: reviews.milestone_deliver(milestone=cycle.m(1), actor=cycle.member, notes="x"),
        lambda: reviews.milestone_approve(milestone=cycle.m(1), actor=cycle.approver),
        lambda: reviews.milestone_start(milestone=cycle.m(1), actor=cycle.approver),
        lambda: reviews.milestone_start(milestone=cycle.m(1), actor=cycle.outsider),
    ]
    for attempt in attempts:
        with pytest.raises((RuleViolation, NotAllowed, NotFound)):
            attempt()
    assert actions_since(seq, cycle.organisation) == []
    assert verify_chains().ok


def test_a_milestone_billed_on_start_waits_for_its_prepayment(world, make_project):
    project = make_project()
    first = project.milestones.get(position=1)
    plans.milestone_update(milestone=first, actor=fresh(world.owner), billing_trigger="on_start")
    c = cycle_for(world, activate(project, world.owner, world.contact))
    seq = last_sequence(c.organisation)
    assert c.start(1).status == "awaiting_prepayment"
    assert actions_since(seq, c.organisation) == ["milestone.started"]
    before = snapshot(c.m(1))
    refused(
        RuleViolation,
        "invalid_transition",
        reviews.milestone_deliver,
        milestone=c.m(1),
        actor=c.member,
        notes="Too early",
    )
    assert snapshot(c.m(1)) == before
    reviews.milestone_prepayment_received(milestone=c.m(1))
    assert c.m(1).status == "in_progress"
    event = AuditEvent.objects.get(action="milestone.prepaid")
    assert event.actor_label == "system"
    assert c.deliver(1).number == 1
    assert verify_chains().ok
