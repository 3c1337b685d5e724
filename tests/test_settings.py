"""The production profile is safe by default and refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MILEPOST_", "SECRET_", "DJANGO_ALLOW_ASYNC"))
    }
    clean.update({"MILEPOST_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "MILEPOST_ENV": "production",
    "SECRET_KEY": "k" * 20 + "x9Q!p2#Lm8@vR4$tZ7^wB1&nC5*yD0(eF3)gH6" + "j" * 10,
    "ALLOWED_HOSTS": "milepost.example.com",
    "SITE_URL": "https://milepost.example.com",
}


def test_production_profile_passes_the_deploy_checklist(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_site_url(tmp_path):
    """Links in emails would otherwise point to 127.0.0.1, where no client can follow them."""
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = _manage("check", env={**env, "PORT": "8000"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SITE_URL must be set" in result.stderr


def test_production_refuses_a_site_url_that_is_not_an_address(tmp_path):
    result = _manage(
        "check", env={**PRODUCTION, "SITE_URL": "milepost.example.com"}, tmp_path=tmp_path
    )
    assert result.returncode != 0
    assert "SITE_URL must be set" in result.stderr


def test_development_generates_a_secret_key_once(tmp_path):
    first = _manage("check", env={}, tmp_path=tmp_path)
    key = (tmp_path / "secret_key").read_text()
    second = _manage("check", env={}, tmp_path=tmp_path)
    assert first.returncode == second.returncode == 0
    assert len(key) >= 50
    assert (tmp_path / "secret_key").read_text() == key
