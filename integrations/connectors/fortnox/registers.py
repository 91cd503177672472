"""Fortnox registers an invoice is checked against (currencies, articles), kept across runs.

A worker process runs many flows of many tenants; re-reading every article and currency at the
start of each run costs a Fortnox request apiece, out of 25 per 5 s. They change rarely, so they
are kept per connection for `TTL` seconds, and a miss invalidates: a currency or article we do not
know is asked for again before an invoice is refused, and an invoice Fortnox refuses for an article
we thought existed drops that connection's articles. Only facts that exist are kept across runs; a
missing article is asked again by the next run.
"""

import threading
import time

TTL = 3600.0  # seconds
_lock = threading.Lock()
_kept: dict[tuple[str, str], tuple[float, object]] = {}  # (connection key, register) -> (until, value)


def get(connection_key: str, register: str, clock=time.monotonic):
    with _lock:
        until, value = _kept.get((connection_key, register), (0.0, None))
        return value if until > clock() else None


def put(connection_key: str, register: str, value, clock=time.monotonic) -> None:
    with _lock:
        _kept[(connection_key, register)] = (clock() + TTL, value)


def forget(connection_key: str, register: str | None = None) -> None:
    with _lock:
        for key in [key for key in _kept if key[0] == connection_key and register in (None, key[1])]:
            del _kept[key]
