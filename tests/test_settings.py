"""Settings fail closed: production unless told otherwise, refusing development keys, DEBUG and the
sandbox; clean under `check --deploy`; admin logins throttled; passwords that resist guessing."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from junipeer.client_ip import client_ip

ROOT = Path(__file__).resolve().parent.parent


def python(env, *args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def manage(env, *args):
    return python(env, "manage.py", *args)


def show(env, expression):
    """Print settings as a process with this environment sees them (`shell` runs no checks)."""
    return manage(env, "shell", "--no-imports", "-c",
                  f"from django.apps import apps; from django.conf import settings; print({expression})")


INSTALLED = ("settings.DJANGO_ENV, settings.DEBUG, apps.is_installed('sandbox'), apps.is_installed('sandbox.centra'), "
             "apps.is_installed('sandbox.fortnox')")


def test_without_django_env_the_project_is_production_and_refuses_development_keys(bare_env):
    shown = show(bare_env, INSTALLED)
    assert shown.stdout.split() == ["production", "False", "False", "False", "False"], shown.stderr

    result = manage(bare_env, "check")
    assert result.returncode != 0
    for check in ("junipeer.E001", "junipeer.E002", "junipeer.E005"):
        assert check in result.stderr


def test_production_refuses_the_sandbox_and_debug_and_never_installs_the_simulators(production_env):
    env = {**production_env, "SANDBOX_ENABLED": "true", "DEBUG": "true"}
    result = manage(env, "check")
    assert result.returncode != 0
    assert "junipeer.E003" in result.stderr
    assert "junipeer.E004" in result.stderr
    assert "junipeer.E001" not in result.stderr

    shown = show(env, INSTALLED)
    assert shown.stdout.split()[2:] == ["False", "False", "False"], shown.stderr


def test_production_starts_with_real_secrets_and_no_sandbox(production_env):
    result = manage(production_env, "check")
    assert result.returncode == 0, result.stderr


def test_deploy_check_reports_nothing_with_production_settings(production_env):
    """HSTS, SSL redirect behind the proxy's header, Secure cookies, and nothing else to warn about."""
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_trusts_csrf_from_its_site_and_answers_only_to_its_host(production_env):
    shown = show(production_env, "settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS, "
                                 "settings.SECURE_PROXY_SSL_HEADER")
    assert shown.stdout.strip() == (
        "['junipeer.example'] ['https://junipeer.example'] ('HTTP_X_FORWARDED_PROTO', 'https')"
    ), shown.stderr


def test_web_application_refuses_to_load_a_misconfigured_production(bare_env):
    """gunicorn runs no management command, so the WSGI module checks for itself."""
    result = python(bare_env, "-c", "import junipeer.wsgi")
    assert result.returncode != 0
    assert "Refusing to serve" in result.stderr
    assert "junipeer.E001" in result.stderr


def test_an_unknown_django_env_is_refused_rather_than_guessed(bare_env):
    result = manage({**bare_env, "DJANGO_ENV": "prod"}, "check")
    assert result.returncode != 0
    assert "DJANGO_ENV is 'prod'" in result.stderr


def test_development_has_debug_and_the_sandbox(bare_env):
    shown = show({**bare_env, "DJANGO_ENV": "development"}, INSTALLED)
    assert shown.stdout.split() == ["development", "True", "True", "True", "True"], shown.stderr


def test_the_test_suite_runs_as_test_with_the_sandbox():
    from django.apps import apps
    from django.conf import settings

    assert settings.DJANGO_ENV == "test"
    assert os.environ["DJANGO_ENV"] == "test"  # inherited by every process a test starts
    assert not settings.DEBUG
    assert apps.is_installed("sandbox.fortnox")


def test_sandbox_urls_are_absent_when_disabled(bare_env):
    result = manage({**bare_env, "DJANGO_ENV": "development", "SANDBOX_ENABLED": "false"}, "shell", "--no-imports",
                    "-c", "from django.urls import resolve; resolve('/sandbox/faults/centra')")
    assert "Resolver404" in result.stderr


def test_env_example_lists_every_setting_the_project_reads():
    """An operator learns the settings from deploy/env.example: one read from the environment but
    missing there is one nobody knows to set."""
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (ROOT / "junipeer/settings.py").read_text()))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', (ROOT / "deploy/gunicorn.conf.py").read_text()))
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", (ROOT / "deploy/env.example").read_text(), re.MULTILINE))
    assert {"SECRET_KEY", "WEB_CONCURRENCY", "ALLOWED_HOSTS", "EMAIL_BACKEND"} <= read
    assert read - listed == set()


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "1234567890123", "anna.svensson@shop"])
def test_short_common_numeric_or_personal_passwords_are_refused(password):
    user = get_user_model()(username="anna.svensson", email="anna.svensson@shop.example")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted():
    validate_password("tall-ferns-grow-by-quiet-lakes", get_user_model()(username="anna"))


ADMIN_PASSWORD = "tall-ferns-grow-by-quiet-lakes"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff", "staff@junipeer.example", ADMIN_PASSWORD)


def admin_login(client, password, address="198.51.100.7"):
    return client.post("/admin/login/?next=/admin/", {"username": "staff", "password": password},
                       REMOTE_ADDR=address)


def test_admin_login_is_locked_after_repeated_failures_even_with_the_right_password(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert admin_login(client, "wrong-guess").status_code == 200  # the form again, with its error
    assert admin_login(client, "wrong-guess").status_code == 429

    locked = admin_login(client, ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_one_address_so_a_stranger_cannot_lock_staff_out(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        admin_login(client, "wrong-guess", address="203.0.113.66")

    answer = admin_login(client, ADMIN_PASSWORD, address="198.51.100.7")
    assert answer.status_code == 302
    assert answer["Location"] == "/admin/"


def test_a_successful_admin_login_clears_earlier_failures(client, staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    admin_login(client, "wrong-guess")
    admin_login(client, "wrong-guess")
    assert admin_login(client, ADMIN_PASSWORD).status_code == 302
    client.logout()

    admin_login(client, "wrong-guess")
    admin_login(client, "wrong-guess")
    assert admin_login(client, ADMIN_PASSWORD).status_code == 302


def test_client_address_is_the_one_our_proxy_saw_not_one_the_client_wrote(settings):
    """X-Forwarded-For left of our proxy's entry is the client's to forge: a fresh forged address per
    guess must not escape the lockout."""
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    settings.PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"


def test_a_request_that_bypassed_the_proxy_is_known_by_its_peer(settings):
    settings.PROXY_COUNT = 1
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="192.0.2.4")) == "192.0.2.4"


def test_every_redis_key_and_the_queue_share_one_prefix_of_the_installation(production_env, bare_env):
    """Installations sharing one Redis set REDIS_PREFIX; parallel test processes get one each."""
    keys = "settings.REDIS_PREFIX, settings.Q_CLUSTER['name']"
    assert show(production_env, keys).stdout.split() == ["junipeer", "junipeer"]
    assert show({**production_env, "REDIS_PREFIX": "shop-eu"}, keys).stdout.split() == ["shop-eu", "shop-eu"]
    test_worker = {**bare_env, "DJANGO_ENV": "test", "PYTEST_XDIST_WORKER": "gw3"}
    assert show(test_worker, keys).stdout.split() == ["junipeer-test-gw3", "junipeer-test-gw3"]
