"""`make bench`'s share of Fortnox's ceiling: requests per second over 5, while the run is at Fortnox."""

import pytest

from chaos import bench
from chaos.management.commands.bench import share_of_ceiling


def test_the_share_is_fortnox_requests_per_second_over_the_five_a_second_of_its_ceiling():
    figures = {"fortnox_calls": 96, "fortnox_busy": 20.0, "wall": 24.0}

    assert share_of_ceiling(figures) == pytest.approx(0.96)  # 4.8 requests a second while pushing
    assert share_of_ceiling(figures, whole_run=True) == pytest.approx(0.80)  # the run's start and end too


def test_fortnox_is_busy_from_its_first_request_to_its_last_answer():
    meter = bench.Meter.__new__(bench.Meter)  # no patching of requests: the figures alone
    meter.calls = [bench.Call("centra", "POST graphql Shipments", 200, 0.0, 0.4),
                   bench.Call("fortnox", "POST 3/invoices", 201, 0.5, 0.8),
                   bench.Call("fortnox", "POST 3/invoices", 201, 9.7, 10.0),
                   bench.Call("centra", "POST graphql Shipments", 200, 10.0, 10.2)]

    assert meter.busy_seconds("fortnox") == pytest.approx(9.5)
    meter.calls = meter.calls[:1]
    assert meter.busy_seconds("fortnox") == 0.0  # a run that sent Fortnox nothing
