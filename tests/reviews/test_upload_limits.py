"""Uploads in the service layer: the per-project storage quota, and every refused file named."""

from __future__ import annotations

from pathlib import Path

import pytest

from milepost.core.errors import InvalidInput, RuleViolation
from milepost.reviews import services as reviews
from milepost.reviews.models import Attachment

from .conftest import EXE, activate, counts, cycle_for, pdf, upload

KB = 1024


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def comment(c, files, position: int = 1, actor=None):
    return reviews.comment_add(
        milestone=c.m(position), actor=actor or c.viewer, body="See attached.", files=files
    )


@pytest.fixture
def quota(settings):
    settings.PROJECT_STORAGE_QUOTA_MB = 1
    return settings


def test_files_that_would_pass_the_project_quota_are_refused_naming_quota_and_use(cycle, quota):
    comment(cycle, [pdf("one.pdf", size=600 * KB)])
    before, files = counts(), stored_files(quota)
    with pytest.raises(RuleViolation) as exc:
        comment(cycle, [pdf("two.pdf", size=300 * KB), pdf("three.pdf", size=200 * KB)])
    error = exc.value
    assert error.code == "storage_quota_exceeded"
    assert error.status == 409
    assert "1 MB" in error.message  # the quota
    assert "600 KB" in error.message  # what is used
    assert "500 KB" in error.message  # what these files would add
    assert error.details == {
        "quota_bytes": 1024 * KB,
        "used_bytes": 600 * KB,
        "adding_bytes": 500 * KB,
    }
    assert counts() == before
    assert stored_files(quota) == files


def test_files_up_to_the_quota_exactly_are_accepted(cycle, quota):
    comment(cycle, [pdf("one.pdf", size=600 * KB)])
    entry = comment(cycle, [pdf("two.pdf", size=424 * KB)], position=2)
    assert entry.attachments.count() == 1


def test_the_quota_counts_every_milestone_of_the_project_and_no_other_project(
    world, make_project, cycle, quota
):
    cycle.start(1)
    cycle.deliver(1, files=[pdf("v1.pdf", size=700 * KB)])
    with pytest.raises(RuleViolation):
        comment(cycle, [pdf("more.pdf", size=400 * KB)], position=3)
    other = cycle_for(world, activate(make_project(name="Other"), world.owner, world.contact))
    assert comment(other, [pdf("more.pdf", size=400 * KB)]).attachments.count() == 1


def test_a_comment_without_files_is_accepted_when_the_quota_is_used_up(cycle, quota):
    comment(cycle, [pdf("full.pdf", size=1024 * KB)])
    assert comment(cycle, []).body == "See attached."


def test_the_quota_applies_to_deliveries_too(cycle, quota):
    comment(cycle, [pdf("one.pdf", size=900 * KB)])
    cycle.start(1)
    with pytest.raises(RuleViolation) as exc:
        cycle.deliver(1, files=[pdf("v1.pdf", size=200 * KB)])
    assert exc.value.code == "storage_quota_exceeded"
    assert cycle.m(1).status == "in_progress"


def test_every_refused_file_is_named_and_nothing_is_saved(cycle, settings):
    dots = upload("placeholder.txt", b"hello")
    dots._name = ".."  # as a client could send it
    before, files = counts(), stored_files(settings)
    with pytest.raises(InvalidInput) as exc:
        comment(cycle, [pdf("fine.pdf"), dots, upload("setup.exe", EXE), upload("empty.txt", b"")])
    error = exc.value
    messages = error.details["files"]
    assert len(messages) == 3
    for name in ("“..”", "“setup.exe”", "“empty.txt”"):
        assert name in error.message
        assert sum(name in m for m in messages) == 1
    assert "fine.pdf" not in error.message
    assert counts() == before
    assert stored_files(settings) == files
    assert not Attachment.objects.exists()
