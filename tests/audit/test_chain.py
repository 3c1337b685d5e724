"""The audit trail is hash-chained per organisation, append-only, and its verifier catches edits,
removals and reordering made behind the application's back (directly in SQL)."""

import datetime as dt
import itertools
import json
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.contrib import admin
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory

from milepost.accounts import services
from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.chain import event_hash
from milepost.audit.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEvent
from milepost.audit.services import audit_record
from milepost.audit.verify import verify_chains

from .conftest import chain_of

pytestmark = pytest.mark.django_db

HASHED = (
    "chain",
    "sequence",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "project_id",
    "data",
)


def sql(statement: str, *params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def rehash(event: AuditEvent) -> str:
    return event_hash(prev_hash=event.prev_hash, **{f: getattr(event, f) for f in HASHED})


# --- How events are chained ---------------------------------------------------------------------


def test_each_chain_is_numbered_from_one_and_linked_by_hashes(trail):
    mine = chain_of(trail.organisation)
    theirs = chain_of(trail.other_organisation)
    users = list(AuditEvent.objects.filter(chain="users"))

    assert [e.sequence for e in mine] == [1, 2, 3, 4, 5]
    assert [e.sequence for e in theirs] == [1, 2]
    assert [(e.sequence, e.organisation_id) for e in users] == [(1, None)]
    for chain in (mine, theirs, users):
        assert chain[0].prev_hash == GENESIS_HASH
        for earlier, later in itertools.pairwise(chain):
            assert later.prev_hash == earlier.hash
        for event in chain:
            assert event.hash == rehash(event)
    assert len({e.hash for e in mine + theirs + users}) == 8


def test_the_chain_head_records_the_last_link(trail):
    mine = chain_of(trail.organisation)
    head = AuditChainHead.objects.get(chain=f"org:{trail.organisation.pk}")
    assert (head.last_sequence, head.last_hash) == (5, mine[-1].hash)


def test_events_say_who_did_what_to_which_object(trail):
    update = chain_of(trail.organisation)[-1]
    assert update.action == AuditAction.CLIENT_UPDATED
    assert (update.actor_id, update.actor_label) == (trail.manager.pk, trail.manager.email)
    assert (update.target_type, update.target_id) == ("accounts.client", str(trail.client.pk))
    assert update.data == {"before": {"country": "IE"}, "after": {"country": "FR"}}


def test_deleting_a_user_keeps_their_events_intact(trail):
    """Who acted is part of the hash: deleting the account must not rewrite (and so break) it."""
    event = chain_of(trail.organisation)[0]
    User.objects.filter(pk=trail.owner.pk).delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_id, event.actor_label) == (trail.owner.pk, trail.owner.email)
    assert verify_chains().ok


def test_verify_passes_on_an_untouched_trail(trail):
    report = verify_chains()
    assert report.ok, report.reason
    assert report.checked == AuditEvent.objects.count() == 8


def test_verify_passes_on_an_empty_trail(db):
    report = verify_chains()
    assert report.ok
    assert report.checked == 0


def test_audit_record_refuses_an_unknown_action(world):
    with pytest.raises(ValueError):
        audit_record(
            organisation=world.organisation,
            actor=world.owner,
            action="client.stolen",
            target=world.client,
        )
    assert not AuditEvent.objects.exists()


def test_data_is_stored_as_plain_json(world):
    event = audit_record(
        organisation=world.organisation,
        actor=None,
        action=AuditAction.ORGANISATION_UPDATED,
        target=world.organisation,
        data={"after": {"tax_rate": Decimal("7.50"), "day": dt.date(2026, 1, 2)}},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"after": {"tax_rate": "7.50", "day": "2026-01-02"}}
    assert stored.actor_label == "system"
    assert verify_chains().ok


# --- Tampering in SQL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("data", json.dumps({"after": {"name": "Forged"}})),
        ("actor_label", "someone-else@example.com"),
        ("actor_id", 999999),
        ("action", "client.updated"),
        ("target_id", "424242"),
        ("created_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_an_edited_event_is_reported(trail, column, value):
    victim = chain_of(trail.organisation)[2]
    if isinstance(value, dt.datetime):
        value = connection.ops.adapt_datetimefield_value(value)
    assert sql(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", value, victim.pk) == 1

    report = verify_chains()
    assert not report.ok
    assert report.broken_event_id == victim.pk
    assert report.broken_chain == f"org:{trail.organisation.pk}"
    assert "hash" in report.reason
    assert report.checked == 2  # the two events before it were fine


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(trail):
    victim, following = chain_of(trail.organisation)[1:3]
    victim.data = {"after": {"name": "Forged"}}
    sql(
        "UPDATE audit_auditevent SET data = %s, hash = %s WHERE id = %s",
        json.dumps(victim.data),
        rehash(victim),
        victim.pk,
    )
    report = verify_chains()
    assert report.broken_event_id == following.pk
    assert "link" in report.reason


def test_a_rehashed_edit_of_the_last_event_is_caught_by_the_head(trail):
    last = chain_of(trail.organisation)[-1]
    last.data = {"after": {"country": "XX"}}
    sql(
        "UPDATE audit_auditevent SET data = %s, hash = %s WHERE id = %s",
        json.dumps(last.data),
        rehash(last),
        last.pk,
    )
    report = verify_chains(organisation_id=trail.organisation.pk)
    assert not report.ok
    assert report.broken_chain == f"org:{trail.organisation.pk}"


def test_a_deleted_middle_event_is_reported(trail):
    events = chain_of(trail.organisation)
    assert sql("DELETE FROM audit_auditevent WHERE id = %s", events[2].pk) == 1

    report = verify_chains()
    assert not report.ok
    assert report.broken_event_id == events[3].pk
    assert "expected sequence 3" in report.reason


def test_a_deleted_first_event_is_reported(trail):
    events = chain_of(trail.organisation)
    sql("DELETE FROM audit_auditevent WHERE id = %s", events[0].pk)
    report = verify_chains()
    assert report.broken_event_id == events[1].pk


def test_a_deleted_last_event_is_reported_by_the_head(trail):
    events = chain_of(trail.organisation)
    assert sql("DELETE FROM audit_auditevent WHERE id = %s", events[-1].pk) == 1

    report = verify_chains()
    assert not report.ok
    assert report.broken_chain == f"org:{trail.organisation.pk}"
    assert report.broken_event_id is None
    assert report.checked == 4
    assert "removed" in report.reason


def test_a_chain_emptied_in_sql_is_reported(trail):
    sql("DELETE FROM audit_auditevent WHERE chain = %s", f"org:{trail.other_organisation.pk}")
    report = verify_chains()
    assert not report.ok
    assert report.broken_chain == f"org:{trail.other_organisation.pk}"


def test_a_deleted_last_event_with_its_head_is_reported(trail):
    """Cutting the tail and dropping the head row must not make the chain look whole."""
    events = chain_of(trail.organisation)
    key = f"org:{trail.organisation.pk}"
    sql("DELETE FROM audit_auditevent WHERE id = %s", events[-1].pk)
    sql("DELETE FROM audit_auditchainhead WHERE chain = %s", key)

    report = verify_chains()
    assert not report.ok
    assert report.broken_chain == key


def test_swapped_sequence_numbers_are_reported(trail):
    events = chain_of(trail.organisation)
    second, third = events[1], events[2]
    sql("UPDATE audit_auditevent SET sequence = %s WHERE id = %s", 10**9, second.pk)
    sql("UPDATE audit_auditevent SET sequence = %s WHERE id = %s", 2, third.pk)
    sql("UPDATE audit_auditevent SET sequence = %s WHERE id = %s", 3, second.pk)

    report = verify_chains()
    assert not report.ok
    assert report.broken_event_id == third.pk  # now at position 2, it links to the wrong hash


def test_an_event_appended_behind_the_services_back_is_reported(trail):
    """A well-formed event that did not go through audit_record leaves the head behind."""
    last = chain_of(trail.organisation)[-1]
    forged = AuditEvent(
        organisation=trail.organisation,
        chain=last.chain,
        sequence=last.sequence + 1,
        created_at=last.created_at + dt.timedelta(seconds=1),
        actor_id=trail.owner.pk,
        actor_label=trail.owner.email,
        action=AuditAction.CLIENT_UPDATED.value,
        target_type="accounts.client",
        target_id=str(trail.client.pk),
        data={"after": {"name": "Forged"}},
        prev_hash=last.hash,
    )
    forged.hash = rehash(forged)
    forged.save()

    report = verify_chains()
    assert not report.ok
    assert report.broken_chain == last.chain


def test_tampering_in_one_chain_does_not_hide_behind_another(trail):
    theirs = chain_of(trail.other_organisation)
    sql("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", "x", theirs[0].pk)

    assert verify_chains(organisation_id=trail.organisation.pk).ok
    assert verify_chains(organisation_id=trail.organisation.pk).checked == 5
    report = verify_chains(organisation_id=trail.other_organisation.pk)
    assert report.broken_event_id == theirs[0].pk
    assert verify_chains().broken_event_id == theirs[0].pk


# --- The verify_audit command -------------------------------------------------------------------


def run_verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def test_command_reports_how_many_events_it_checked(trail):
    assert "8 events checked" in run_verify()
    assert "5 events checked" in run_verify("--organisation", str(trail.organisation.pk))
    assert "2 events checked" in run_verify("--organisation", str(trail.other_organisation.pk))


def test_command_fails_with_exit_code_1_naming_the_event(trail):
    victim = chain_of(trail.organisation)[3]
    sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", "{}", victim.pk)

    with pytest.raises(CommandError) as exc:
        run_verify()
    assert exc.value.returncode == 1
    assert f"event {victim.pk}" in str(exc.value)
    assert f"org:{trail.organisation.pk}" in str(exc.value)


def test_command_with_organisation_checks_only_that_chain(trail):
    victim = chain_of(trail.other_organisation)[1]
    sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", "{}", victim.pk)

    assert "5 events checked" in run_verify("--organisation", str(trail.organisation.pk))
    with pytest.raises(CommandError) as exc:
        run_verify("--organisation", str(trail.other_organisation.pk))
    assert f"event {victim.pk}" in str(exc.value)


def test_command_reports_a_cut_tail(trail):
    sql("DELETE FROM audit_auditevent WHERE id = %s", chain_of(trail.organisation)[-1].pk)
    with pytest.raises(CommandError) as exc:
        run_verify()
    assert exc.value.returncode == 1
    assert "the end" in str(exc.value)


def test_command_line_exits_1_on_a_broken_chain_and_0_otherwise(trail, capsys):
    argv = ["manage.py", "verify_audit"]
    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    with mock.patch("django.core.management.base.connections.close_all"):
        execute_from_command_line(argv)  # no SystemExit: success
        assert "8 events checked" in capsys.readouterr().out
        victim = AuditEvent.objects.order_by("pk").first()
        sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", "{}", victim.pk)
        with pytest.raises(SystemExit) as exit_:
            execute_from_command_line(argv)
    assert exit_.value.code == 1
    assert f"event {victim.pk}" in capsys.readouterr().err


# --- Append-only --------------------------------------------------------------------------------


def test_saving_an_existing_event_is_refused(trail):
    event = chain_of(trail.organisation)[0]
    event.data = {"after": {"name": "Forged"}}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["data"])
    assert AuditEvent.objects.get(pk=event.pk).data != {"after": {"name": "Forged"}}
    assert verify_chains().ok


def test_deleting_an_event_is_refused(trail):
    event = chain_of(trail.organisation)[0]
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert verify_chains().ok


def test_the_admin_can_read_but_never_add_change_or_delete(trail, client):
    superuser = User.objects.create_superuser("root@example.com", "pw-root-123456")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[AuditEvent]
    event = chain_of(trail.organisation)[0]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert model_admin.has_view_permission(request, event)
    assert set(model_admin.get_readonly_fields(request, event)) >= {"data", "hash", "sequence"}

    client.force_login(superuser)
    base = "/admin/audit/auditevent/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    assert client.get(f"{base}{event.pk}/delete/").status_code == 403
    changed = client.post(f"{base}{event.pk}/change/", {"action": "client.updated"})
    assert changed.status_code == 403
    actions = client.post(base, {"action": "delete_selected", "_selected_action": [event.pk]})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert actions.status_code in (200, 302)
    assert verify_chains().ok


def test_services_raise_without_writing_when_audit_fails(world):
    """The change and its event are one transaction: no event, no change."""
    with (
        mock.patch(
            "milepost.accounts.services.clients.audit_record", side_effect=RuntimeError("down")
        ),
        pytest.raises(RuntimeError),
    ):
        services.client_create(organisation=world.organisation, actor=world.owner, name="Ghost")
    assert not world.organisation.clients.filter(name="Ghost").exists()


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction(world):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(
            organisation=world.organisation,
            actor=world.owner,
            action=AuditAction.CLIENT_UPDATED,
            target=world.client,
        )
    assert not AuditEvent.objects.exists()
