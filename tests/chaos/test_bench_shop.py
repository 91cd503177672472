"""`make bench`'s overhead shop: "every limit lifted" must never lower one of Centra's quotas.

It did: the overhead run set every Centra quota to 1,000,000, which lowered the hourly complexity
quota (30,000,000 on growth) so the 10 x N run spent it part-way; the sandbox then answered 429
until the hour was over, and the run sat in Retry-After waits or stopped without progress.
"""

from graphql import parse

from chaos import bench
from integrations.connectors.centra.client import SHIPMENTS_QUERY
from sandbox.centra import ratelimit
from sandbox.centra import services as centra
from sandbox.centra.complexity import complexity
from sandbox.centra.reference import PLANS
from sandbox.centra.views import get_schema

PAGE = 50  # the orders flow's batch size
# 2,000 shipments (N=200) in pages of 50, each read at most twice: a run that hands over (after
# RUN_MAX_SECONDS alone) leaves to the next one the page it had read ahead.
PAGES_AT_10N = 2 * 2_000 // PAGE


def test_lifted_quotas_are_never_below_the_plans_own_nor_below_unlimited():
    for plan in PLANS.values():
        lifted = bench.lifted(plan)
        for bucket, windows in plan.items():
            assert set(lifted[bucket]) == set(windows)
            for window, quota in windows.items():
                assert lifted[bucket][window] >= max(quota, bench.UNLIMITED)


def test_the_overhead_shops_store_lets_a_10n_runs_pages_through_in_one_hour(db):
    ratelimit.reset()
    store = centra.create_store("bench-overhead", plan="growth")
    store.rate_limit_overrides = bench.lifted(store.quotas())
    store.save(update_fields=["rate_limit_overrides"])
    document = parse(SHIPMENTS_QUERY)
    points = complexity(get_schema(), document, document.definitions[0], {"limit": PAGE, "page": 1},
                        store.list_complexity_default)
    now = 1_800_000_000.0  # one moment: every page inside the same 10 s and hour windows

    refused = [ratelimit.consume(store, complexity=points, mutations=0, now=now) for _ in range(PAGES_AT_10N)]

    assert refused == [None] * PAGES_AT_10N
    ratelimit.reset()
