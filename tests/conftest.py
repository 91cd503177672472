"""Fixtures for the whole suite."""

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
