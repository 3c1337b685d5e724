"""The README documents what the code reads: every environment variable has a row."""

import io
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
# env.str("NAME", ...), env.int(\n "NAME", ...), environ.Env().str("NAME", ...)
READS = re.compile(r"\b(?:env|Env\(\))\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"")


def variables_read() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "milepost").rglob("*.py"):
        names |= set(READS.findall(path.read_text()))
    return names


def test_the_finder_sees_variables_read_over_several_lines():
    assert {"DB_PREPARED_STATEMENTS", "MILEPOST_VAR_DIR", "EMAIL_TIMEOUT"} <= variables_read()


def test_every_environment_variable_is_in_the_readme_configuration_table():
    readme = (ROOT / "README.md").read_text()
    # The first column of each table row names one or more variables.
    rows = {
        name
        for line in readme.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }
    missing = sorted(variables_read() - rows)
    assert not missing, f"read by the code but not in the README's configuration table: {missing}"


@pytest.mark.django_db
def test_the_readme_create_organisation_command_runs_as_written(monkeypatch):
    """The production section's command line, copied from the README, makes a complete seller."""
    from milepost.accounts.models import Organisation
    from milepost.billing import selectors

    readme = (ROOT / "README.md").read_text()
    line = re.search(r"`python manage\.py (create_organisation [^`]+)`", readme, re.S).group(1)
    words = shlex.split(line.replace("\n", " "))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough password 123")
    out = io.StringIO()
    call_command(*words, stdout=out)

    organisation = Organisation.objects.get(name="Your Studio")
    assert (organisation.street, organisation.postcode, organisation.city) == (
        "Torstraße 19",
        "10119",
        "Berlin",
    )
    assert selectors.organisation_einvoice_problems(organisation) == []


#: `GET /api/v1/...` (and `POST`, `PATCH` …) paths in the README's API table.
API_PATHS = re.compile(r"`(?:(?:GET|POST|PATCH|DELETE|PUT)(?:, \w+)* )?(/api/v1/[^`?\s]*)")


def test_every_api_path_the_readme_names_exists():
    """The last wave documented API fields that were never built: every path in the README's API
    table resolves to a view (ids written {id}, {n}, {pid} … are numbers here)."""
    from django.urls import Resolver404, resolve

    readme = (ROOT / "README.md").read_text()
    table = readme.split("## API", 1)[1].split("\n## ", 1)[0]
    paths = set(API_PATHS.findall(table))
    assert len(paths) > 40, paths  # the finder still sees the table
    missing = []
    for path in sorted(paths):
        concrete = re.sub(r"\{[a-z_]+\}", "1", path.split("…")[0])
        try:
            resolve(concrete)
        except Resolver404:
            missing.append(path)
    assert not missing, f"the README names API paths that do not exist: {missing}"
