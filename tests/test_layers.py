"""The layers of pyproject.toml's import contracts hold, and they would catch a new upward import.

`lint-imports` runs in `make lint` and scripts/test.sh; these tests show that it passes, that each
contract breaks when a forbidden import is added to the real graph, and that every app is in it.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from django.apps import apps
from importlinter import api  # noqa: F401  (configures import-linter before its use cases run)
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract}


@pytest.fixture(scope="module")
def options():
    return read_user_options(str(ROOT / "pyproject.toml"))


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("milepost", cache_dir=None)


def contracts(options) -> dict[str, dict]:
    return {contract["id"]: contract for contract in options.contracts_options}


def kept(options, graph, contract_id: str) -> bool:
    contract_options = contracts(options)[contract_id]
    contract = CONTRACT_TYPES[contract_options["type"]](
        name=contract_options["name"],
        session_options=options.session_options,
        contract_options=contract_options,
    )
    return contract.check(copy.deepcopy(graph), verbose=False).kept


def with_import(graph, importer: str, imported: str):
    changed = copy.deepcopy(graph)
    changed.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    return changed


def test_lint_imports_passes():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-logo", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("contract_id", ["layers", "api-web-on-top", "demo-apart"])
def test_every_contract_is_kept_by_the_code(options, graph, contract_id):
    assert kept(options, graph, contract_id)


@pytest.mark.parametrize(
    ("importer", "imported", "broken"),
    [
        # The upward imports issue 11 removed, put back one at a time.
        ("milepost.accounts.services", "milepost.notify.services", {"layers"}),
        ("milepost.accounts.management", "milepost.billing.selectors", {"layers"}),
        ("milepost.billing.stripe", "milepost.api.errors", {"layers", "api-web-on-top"}),
        ("milepost.web.views.errors", "milepost.api.errors", {"layers"}),
        # The outbox stays below accounts; the core below everything.
        ("milepost.mail.services", "milepost.accounts.emails", {"layers"}),
        ("milepost.core.errors", "milepost.web.views.errors", {"layers", "api-web-on-top"}),
        ("milepost.api.webhooks", "milepost.demo", {"demo-apart"}),
        # Nothing below reaches the webhooks: the scheduler is handed their step at start-up.
        ("milepost.notify.scheduler", "milepost.integrations.sending", {"layers"}),
        ("milepost.api.urls", "milepost.integrations.api_urls", {"layers"}),
        ("milepost.integrations.outbox", "milepost.demo", {"demo-apart"}),
        # A path through a module outside the layers counts too: milepost.urls imports web.
        ("milepost.core.views", "milepost.urls", {"layers", "api-web-on-top"}),
    ],
)
def test_a_forbidden_import_breaks_its_contracts(options, graph, importer, imported, broken):
    changed = with_import(graph, importer, imported)
    assert {cid for cid in contracts(options) if not kept(options, changed, cid)} == broken


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("milepost.accounts", "milepost.notify"),  # invitations and resets queue in mail
        ("milepost.accounts", "milepost.billing"),  # create_organisation lives in billing
        ("milepost.mail", "milepost.accounts"),  # the outbox is below the accounts
        ("milepost.billing", "milepost.api"),  # the Stripe webhook view lives in api
        ("milepost.web", "milepost.api"),  # the error shape is core.errors.error_body
        ("milepost.api", "milepost.web"),
        ("milepost.billing", "milepost.reviews"),  # approval calls billing, not the reverse
        ("milepost.accounts", "milepost.plans"),  # project permissions live in plans
        ("milepost.notify", "milepost.integrations"),  # the tick step is registered, not imported
        ("milepost.api", "milepost.integrations"),
    ],
)
def test_no_import_path_leads_upward(graph, importer, imported):
    assert graph.find_shortest_chain(importer, imported, as_packages=True) is None


def test_every_app_of_the_project_is_a_layer_and_a_source_of_the_forbidden_contracts(options):
    milepost_apps = {c.name for c in apps.get_app_configs() if c.name.startswith("milepost.")}
    by_id = contracts(options)
    layered = {
        module.strip()
        for layer in by_id["layers"]["layers"]
        for module in layer.replace(":", "|").split("|")
    }
    assert milepost_apps <= layered
    # Integrations sit above the API and the web (they render objects as the API shows them).
    above = {"milepost.api", "milepost.web", "milepost.integrations"}
    assert milepost_apps - above <= set(by_id["api-web-on-top"]["source_modules"])
    assert milepost_apps - {"milepost.demo"} <= set(by_id["demo-apart"]["source_modules"])
