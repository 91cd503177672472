"""Fortnox registers an invoice is checked against (currencies, articles), kept across runs.

A worker process runs many flows of many tenants; re-reading every article and currency at the
start of each run costs a Fortnox request apiece, out of 25 per 5 s. They change rarely, so they
are kept per connection for `TTL` seconds, and a miss invalidates: a currency or article we do not
know is asked for again before an invoice is refused, and an invoice Fortnox refuses for an article
we thought existed drops that connection's articles. Only facts that exist are kept across runs; a
missing article is asked again by the next run.

A run pushes invoices on several threads: a member is added to a register in one step (`add`),
so two threads that found two articles keep both, and one look-up of a member goes out at a time
(`looking_up`), so threads that need the same unknown article wait for one answer, not ask twice.
"""

import threading
import time
import zlib
from contextlib import contextmanager

TTL = 3600.0  # seconds
STRIPES = 64  # look-up locks: enough that threads asking for different members rarely share one
_lock = threading.Lock()
_kept: dict[tuple[str, str], tuple[float, object]] = {}  # (connection key, register) -> (until, value)
_looking_up = [threading.Lock() for _ in range(STRIPES)]


def _live(connection_key: str, register: str, clock):
    """What is kept of a register and not expired (hold `_lock`)."""
    until, value = _kept.get((connection_key, register), (0.0, None))
    return value if until > clock() else None


def get(connection_key: str, register: str, clock=time.monotonic):
    with _lock:
        return _live(connection_key, register, clock)


def put(connection_key: str, register: str, value, clock=time.monotonic) -> None:
    with _lock:
        _kept[(connection_key, register)] = (clock() + TTL, value)


def add(connection_key: str, register: str, member: str, clock=time.monotonic) -> None:
    """Add `member` to a set register, keeping what other threads added meanwhile."""
    with _lock:
        members = _live(connection_key, register, clock) or frozenset()
        _kept[(connection_key, register)] = (clock() + TTL, members | {member})


@contextmanager
def looking_up(connection_key: str, register: str, member: str):
    """Held while `member` is looked up, so a second thread waits and then finds it kept."""
    with _looking_up[zlib.crc32(f"{connection_key}\0{register}\0{member}".encode()) % STRIPES]:
        yield


def forget(connection_key: str, register: str | None = None) -> None:
    with _lock:
        for key in [key for key in _kept if key[0] == connection_key and register in (None, key[1])]:
            del _kept[key]
