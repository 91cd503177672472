"""Fixtures for the whole suite."""

import os

import pytest

from integrations.connectors.ratelimit import local_limiter
from sandbox.centra import ratelimit as centra_rate_limits
from sandbox.fortnox.ratelimit import limiter as fortnox_rate_limits


@pytest.fixture(autouse=True)
def fresh_rate_limit_windows():
    """Rate-limit windows live in process memory (client side and sandbox side): start each test clean."""
    local_limiter.reset()
    centra_rate_limits.reset()
    fortnox_rate_limits.reset()


# Settings variables a developer's shell, .ci/run, `make test` or an earlier test (the browser
# tests set DJANGO_ALLOW_ASYNC_UNSAFE) may carry. A test that starts a production process removes
# them all, so it checks what the project itself decides.
SETTINGS_VARIABLES = (
    "DJANGO_ENV", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "CREDENTIALS_KEY", "SITE_URL", "DEBUG", "SANDBOX_ENABLED",
    "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "STATIC_ROOT", "PROXY_COUNT", "DJANGO_ALLOW_ASYNC_UNSAFE",
)


@pytest.fixture
def bare_env():
    """The environment of a process started with none of the settings variables set."""
    return {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}


@pytest.fixture
def production_env(bare_env):
    """A production process configured as deploy/env.example says: real keys, an https site."""
    return {
        **bare_env,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "kq3v9c2Lw8Hn5Rz1Tb7Yp4Xd6Mf0Gs3Ja8Ue2Oi5Ql9Vk1Nh7Wc4Ry6Zt0Bm2Px8Dg",
        "CREDENTIALS_KEY": "q0yxd3wZ6HRqBIS5XN8C1mYr3aQ6mPVg9ApzKxyGbk8=",
        "SITE_URL": "https://junipeer.example",
    }


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (`make test`), the chaos runs go to one worker, one after another: each
    starts a server and workers of its own, and two at once on a small machine starve both."""
    for item in items:
        if item.get_closest_marker("chaos"):
            item.add_marker(pytest.mark.xdist_group("chaos"))
