"""Hammer one key of a shared rate limiter from several processes and print what the API would see.

    python manage.py bench_rate_limit --backend redis --workers 4 --seconds 10 --limit 25/5

Figures, not a test: acquisitions, the most acquisitions any window held (never above the limit),
the wall time and the throughput against the limit. The same harness (`hammer`) drives the
multi-process tests in tests/integrations/test_shared_rate_limit.py.
"""

import math
import multiprocessing
import os
import time
import traceback
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from integrations.connectors.ratelimit import DatabaseSlidingWindow, Limit, RedisSlidingWindow, WindowLimiter

BACKENDS = ("redis", "db")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Hammered:
    """What the workers got: acquisition times (Unix seconds, sorted) and the wall time."""

    timestamps: list[float]
    wall: float

    def max_in_window(self, seconds: float) -> int:
        return max_in_window(self.timestamps, seconds)


def max_in_window(timestamps: list[float], seconds: float) -> int:
    """The most timestamps any half-open window [t, t + seconds) holds."""
    stamps = sorted(timestamps)
    most = start = 0
    for end, moment in enumerate(stamps):
        while moment - stamps[start] >= seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def _limiter(backend: str, target: str) -> WindowLimiter:
    """The limiter inside a freshly spawned worker; `target` is a Redis URL or a database name."""
    if backend == "redis":
        return RedisSlidingWindow(target)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junipeer.settings")
    import django

    django.setup()
    connections["default"].settings_dict["NAME"] = target  # e.g. the test database of the parent
    return DatabaseSlidingWindow()


def _work(backend, target, key, limit, seconds, count, start, results):
    """One worker process: acquire until the time or the count is up, then report the times."""
    try:
        limiter = _limiter(backend, target)
        start.wait()
        deadline = time.time() + seconds if seconds is not None else None
        stamps = []
        while (len(stamps) < count) if count is not None else (time.time() < deadline):
            limiter.acquire(key, limit)
            stamps.append(time.time())
        results.put(("ok", stamps))
    except BaseException:
        results.put(("error", traceback.format_exc()))
        raise


def hammer(backend: str, target: str, *, limit: Limit, workers: int = 4, seconds: float | None = None,
           per_worker: int | None = None, key: str | None = None) -> Hammered:
    """Run `workers` processes on one key, each for `seconds` or for `per_worker` acquisitions.

    Processes are spawned, not forked: a forked child would share the parent's database socket.
    They start together behind a barrier, so the first window is contended from its first slot.
    """
    if (seconds is None) == (per_worker is None):
        raise ValueError("give either seconds or per_worker")
    key = key or f"bench:{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(workers + 1), context.Queue()
    processes = [
        context.Process(target=_work, args=(backend, target, key, limit, seconds, per_worker, start, results))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        start.wait(timeout=120)
        began = time.time()
        stamps: list[float] = []
        expected = seconds if seconds is not None else per_worker * workers * limit.per_seconds / limit.requests
        budget = expected + limit.per_seconds + 120
        for _ in processes:
            status, value = results.get(timeout=budget)
            if status != "ok":
                raise RuntimeError(f"a worker failed:\n{value}")
            stamps.extend(value)
        wall = time.time() - began
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
    return Hammered(sorted(stamps), wall)


class Command(BaseCommand):
    help = "Hammer one key of the shared rate limiter from several processes and print the figures."

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=BACKENDS, required=True)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--seconds", type=float, default=10.0)
        parser.add_argument("--limit", type=Limit.parse, default=Limit(25, 5.0), help="requests/seconds, e.g. 25/5")
        parser.add_argument("--redis-url", default="", help="Defaults to REDIS_URL, then a local Redis.")

    def handle(self, backend, workers, seconds, limit, redis_url, **options):
        if workers < 1 or seconds <= 0:
            raise CommandError("--workers and --seconds must be positive")
        if backend == "redis":
            target = redis_url or settings.REDIS_URL or DEFAULT_REDIS_URL
            cleanup = RedisSlidingWindow(target)
        else:
            target = connections["default"].settings_dict["NAME"]
            cleanup = DatabaseSlidingWindow()
        key = f"bench:{uuid.uuid4().hex}"
        try:
            result = hammer(backend, str(target), limit=limit, workers=workers, seconds=seconds, key=key)
        finally:
            cleanup.reset(key)
        count = len(result.timestamps)
        allowed = limit.requests * math.ceil(seconds / limit.per_seconds)
        rows = [
            ("backend", f"{backend} ({target})"),
            ("workers", workers),
            ("limit", f"{limit.requests} per {limit.per_seconds:g} s"),
            ("acquisitions", f"{count} (the limit allows {allowed} in {seconds:g} s, plus one per worker "
                             "waiting at the deadline)"),
            (f"max in any {limit.per_seconds:g} s window", result.max_in_window(limit.per_seconds)),
            ("wall time", f"{result.wall:.2f} s"),
            ("throughput", f"{count / result.wall:.2f}/s (limit {limit.requests / limit.per_seconds:.2f}/s)"),
        ]
        for label, value in rows:
            self.stdout.write(f"{label:<28} {value}")
