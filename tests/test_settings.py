"""Production refuses to start with development defaults."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    environment = {**os.environ, **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_default_secret_and_sandbox():
    result = manage("check", DJANGO_ENV="production", SANDBOX_ENABLED="true")
    assert result.returncode != 0
    for check in ("junipeer.E001", "junipeer.E002", "junipeer.E003"):
        assert check in result.stderr


def test_production_starts_with_real_secrets_and_no_sandbox():
    result = manage(
        "check", DJANGO_ENV="production", SECRET_KEY="x" * 50,
        CREDENTIALS_KEY="q0yxd3wZ6HRqBIS5XN8C1mYr3aQ6mPVg9ApzKxyGbk8=", ALLOWED_HOSTS="junipeer.example",
    )
    assert result.returncode == 0, result.stderr


def test_sandbox_urls_are_absent_when_disabled():
    result = manage("shell", "-c", "from django.urls import resolve; resolve('/sandbox/faults/centra')",
                    SANDBOX_ENABLED="false")
    assert "Resolver404" in result.stderr
