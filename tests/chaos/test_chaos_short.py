"""The short form of the fault-injection suite (`manage.py chaos --short`), run by `make test`
against each ERP (`ERP=business_central make chaos` as much as the default).

It runs the command in a subprocess, as `make chaos` does: the command starts its own sandbox
server and workers on a private SQLite file, so nothing here touches the test database.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

TIMEOUT_SECONDS = 300
LAST_LINE = re.compile(r"^expected=(\d+) created=(\d+) duplicates=(\d+) missing=(\d+)$")


def run_chaos(*args: str, erp: str = "") -> tuple[int, str]:
    """`ERP=<erp> make chaos`, with the arguments given; no `erp`: the environment's (else Fortnox)."""
    # A private database always: never the one DATABASE_URL points the suite's services at.
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    if erp:
        env["ERP"] = erp
    command = subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "chaos", *args],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        output, _ = command.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(command.pid, signal.SIGTERM)  # the command stops its server and workers on SIGTERM
        output, _ = command.communicate(timeout=60)
        pytest.fail(f"chaos --short took more than {TIMEOUT_SECONDS} s:\n{output[-5000:]}")
    return command.returncode, output


@pytest.mark.chaos
@pytest.mark.parametrize("erp", ["fortnox", "business_central"])
def test_short_chaos_run_invoices_every_shipment_exactly_once(erp):
    code, output = run_chaos("--short", erp=erp)

    lines = output.strip().splitlines()
    match = LAST_LINE.match(lines[-1]) if lines else None
    assert match, f"the last line is not the figures line:\n{output[-5000:]}"
    expected, created, duplicates, missing = map(int, match.groups())
    assert expected > 0, output[-5000:]
    assert (duplicates, missing) == (0, 0), output[-5000:]
    assert created == expected, output[-5000:]
    assert code == 0, output[-5000:]
