"""Schemathesis (pinned in requirements.lock) over the whole API, against a live server on
loopback with the demo agency's data, as the agency's owner and as the client's approver, each
with a Bearer token: no server error, no answer the OpenAPI document does not describe (status,
content type, headers, body), no operation that answers without credentials.

The run is bounded: ``MILEPOST_FUZZ_SECONDS`` per role (25 by default), with a fixed seed so a
failure can be replayed; the report names each failure with a curl line to reproduce it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from .demo import build_demo

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = int(os.environ.get("MILEPOST_FUZZ_SECONDS", "25"))
SEED = int(os.environ.get("MILEPOST_FUZZ_SEED", "20270104"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
    "unsupported_method",
    "allow_header_conformance",
    "missing_required_header",
]


def _run(base_url: str, token: str, report: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/v1/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-time",
        str(SECONDS),
        "--seed",
        str(SEED),
        "--workers",
        "1",  # Hypothesis is not thread-safe everywhere: two workers can crash the run
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
    ]
    return subprocess.run(
        command,
        cwd=report.parent,
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
        check=False,
    )


def _tally(report: Path) -> tuple[int, Counter, set[str]]:
    """Requests sent, failed checks by name, and the operations that were exercised."""
    requests, failures, operations = 0, Counter(), set()
    for line in report.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        recorder = event["recorder"]
        requests += len(recorder.get("interactions", {}))
        if recorder.get("interactions"):
            operations.add(recorder["label"])
        for checks in recorder.get("checks", {}).values():
            failures.update(c["name"] for c in checks if c["status"] == "failure")
    return requests, failures, operations


@pytest.mark.parametrize("role", ["owner", "approver"])
def test_schemathesis_finds_no_server_error_no_violation_and_no_open_operation(
    live_server, tmp_path, role
):
    call_command("flush", interactive=False, verbosity=0)
    demo = build_demo()
    report = tmp_path / f"{role}.ndjson"
    result = _run(live_server.url, demo.tokens[role], report)
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    requests, failures, operations = _tally(report)
    print(f"schemathesis as {role}: {requests} requests to {len(operations)} operations")
    assert requests > 0 and len(operations) >= 40, result.stdout[-3000:]
    assert not failures, f"{dict(failures)}\n{result.stdout[-12000:]}"
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
