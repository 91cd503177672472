"""The one HTTP base every connector stands on.

It owns what every external API needs and no flow should think about: timeouts, retries with
exponential backoff and jitter that honour `Retry-After` (and back off on their own after a 429
without one), client-side rate limiting per connection (requests, and weighted budgets such as
query-complexity points: `budgets`, `spent`), refreshing credentials once on a 401,
secret redaction in everything we keep, the translation of failures into the error catalog's
codes, and URL safety: every hop, redirects and token URLs included, goes through the session's
`urlsafety.GuardedAdapter`, which refuses non-https and non-public addresses (`unsafe_url`).

Retrying a write is only safe when we know it was not applied. A 429 or a refused connection
means nothing happened, so those are retried for every request; a timeout or 5xx after a write
was sent is ambiguous and raises `write_outcome_unknown`, which the flows answer by looking the
document up by its reference before creating it again.
"""

import email.utils
import functools
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

from ..domain.errors import SyncError
from .ratelimit import Limit, local_limiter
from .urlsafety import GuardedAdapter, HostNotFound, UrlPolicy

logger = logging.getLogger(__name__)

SECRET_KEY_PATTERN = re.compile(r"token|secret|password|authorization|api[_-]?key|signature", re.IGNORECASE)
REDACTED = "[redacted]"
MAX_KEPT_BODY = 20_000


@functools.lru_cache(maxsize=4096)
def names_a_secret(key: str) -> bool:
    """Whether a key's name says its value is a secret. Cached: every record and answer repeats the
    same few hundred field names, and this test ran once per field of everything we keep."""
    return SECRET_KEY_PATTERN.search(key) is not None


class Redactor:
    """Removes secrets from anything we log or store: by key name and by known secret value."""

    def __init__(self, secrets=()):
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def __call__(self, value):
        if isinstance(value, dict):
            return {
                k: (REDACTED if names_a_secret(str(k)) and v not in (None, "") else self(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, REDACTED)
            return value
        return value


@dataclass
class Exchange:
    """One request/response pair as we keep it on a sync record (already redacted)."""

    method: str
    url: str
    body: object = None
    status: int | None = None
    response: object = None
    attempts: int = 1

    def as_request(self) -> dict:
        return {"method": self.method, "url": self.url, "body": bounded(self.body)}

    def as_response(self) -> dict:
        return {"status": self.status, "body": bounded(self.response), "attempts": self.attempts}


def bounded(body, limit: int = MAX_KEPT_BODY):
    """A body as kept on a sync record: whole when small, else its head (a page of 50 Centra orders
    is evidence enough at 20 kB, and records stay small however many we keep)."""
    if body is None or isinstance(body, (int, float, bool)):
        return body
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)
    if len(text) <= limit:
        return body
    return {"truncated": True, "size": len(text), "head": text[:limit]}


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0

    def step(self, attempt: int) -> float:
        """The exponential step: base, 2 x base, 4 x base ... up to the cap."""
        return min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))

    def backoff(self, attempt: int) -> float:
        """Full jitter: spreads workers that failed together so they don't retry together."""
        return random.uniform(0, self.step(attempt))

    def rate_limited_backoff(self, attempt: int) -> float:
        """After a 429 that does not say when to come back (Fortnox never does): equal jitter, at
        least half the step, so a full remote window gets time to slide instead of being hit again
        at once, while workers refused together still spread apart."""
        step = self.step(attempt)
        return random.uniform(step / 2, step)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, a Unix timestamp or an HTTP-date."""
    if not value:
        return None
    now = time.time() if now is None else now
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return None
        return max(0.0, moment - now)
    if number > 1_000_000_000:  # an absolute Unix timestamp, as Centra documents it
        return max(0.0, number - now)
    return max(0.0, number)


def _decode(response: requests.Response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:MAX_KEPT_BODY]


@dataclass
class ApiClient:
    """Base for one external system's client. Subclasses add auth and error translation."""

    base_url: str
    connection_key: str = "anonymous"
    limit: Limit | None = None
    timeout: tuple[float, float] = (5.0, 30.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limiter: object = local_limiter
    session: requests.Session = field(default_factory=requests.Session)
    sleep: object = time.sleep
    url_policy: UrlPolicy = field(default_factory=UrlPolicy.from_settings)

    system = "remote API"

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/")
        adapter = GuardedAdapter(self.url_policy)  # every hop, redirects included, is checked here
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._journals = threading.local()
        self.redact = Redactor(self.secrets())

    @property
    def journal(self) -> list[Exchange]:
        """This thread's exchanges: a runner pushing records on several threads keeps each
        record's own requests with it."""
        kept = getattr(self._journals, "exchanges", None)
        if kept is None:
            kept = self._journals.exchanges = []
        return kept

    # --- hooks for subclasses -------------------------------------------------------------

    def secrets(self) -> list[str]:
        """Secret values to scrub from everything kept (tokens, client secrets)."""
        return []

    def auth_headers(self) -> dict:
        return {}

    def refresh_auth(self) -> bool:
        """Called once after a 401. Return True if credentials changed and the call may be retried."""
        return False

    def budgets(self, json) -> list[tuple[str, Limit, int]]:
        """Budgets a request draws from besides the request count, as (name, limit, cost): e.g.
        Centra's query-complexity points. Each is a weighted window of the shared limiter."""
        return []

    def spent(self, json, body) -> None:
        """Told what an answered request really cost (e.g. the complexity an API reports)."""

    def error_from_response(self, response: requests.Response, body) -> SyncError:
        """Translate a non-retryable error response into a catalog error."""
        if response.status_code == 401:
            return SyncError("auth_expired", f"{self.system} refused our credentials (401).")
        if response.status_code == 403:
            return SyncError("auth_forbidden", f"{self.system} denied access (403).")
        if response.status_code == 404:
            return SyncError("not_found", f"{self.system} has no such object (404).")
        return SyncError("remote_rejected", f"{self.system} answered {response.status_code}.")

    # --- the request loop ----------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, json=None, params=None, data=None, headers=None,
                idempotent: bool | None = None, authenticated: bool = True):
        """Send one logical request (with retries) and return the decoded body."""
        idempotent = method in ("GET", "HEAD", "OPTIONS") if idempotent is None else idempotent
        url = self.url(path)
        exchange = Exchange(method, self.redact(url if not params else f"{url}?{_query(params)}"),
                            self.redact(json if json is not None else data))
        self.journal.append(exchange)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            exchange.attempts = attempt
            send_headers = {"Accept": "application/json", **(headers or {})}
            if authenticated:
                send_headers.update(self.auth_headers())
            # The slot last, just before sending: the API counts the request when it arrives.
            for budget, limit, cost in self.budgets(json):
                self.limiter.acquire(f"{self.connection_key}:{budget}", limit, cost)
            if self.limit is not None:
                self.limiter.acquire(self.connection_key, self.limit)
            try:
                response = self.session.request(
                    method, url, json=json, params=params, data=data, headers=send_headers, timeout=self.timeout
                )
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                    requests.exceptions.MissingSchema) as exc:
                # A refused or malformed address: nothing was sent, and trying again cannot help.
                exchange.response = self.redact(str(exc))
                raise SyncError("unsafe_url", f"{self.system}: {self.redact(str(exc))}",
                                request=exchange.as_request(), response=exchange.as_response()) from exc
            except requests.ConnectionError as exc:
                # ConnectTimeout is a ConnectionError too; both mean the request never arrived,
                # except a connection reset after sending, which we cannot tell apart: treat
                # writes as ambiguous.
                never_sent = (isinstance(exc, (requests.ConnectTimeout, HostNotFound))
                              or "Connection refused" in str(exc))
                if (idempotent or never_sent) and attempt < self.retry.max_attempts:
                    self._wait(attempt, None, f"connection error: {exc}")
                    continue
                exchange.response = self.redact(str(exc))
                code = "upstream_unavailable" if (idempotent or never_sent) else "write_outcome_unknown"
                raise SyncError(code, f"{self.system} could not be reached: {exc}",
                                request=exchange.as_request(), response=exchange.as_response()) from exc
            except requests.Timeout as exc:
                if idempotent and attempt < self.retry.max_attempts:
                    self._wait(attempt, None, "read timeout")
                    continue
                exchange.response = "timeout"
                code = "upstream_unavailable" if idempotent else "write_outcome_unknown"
                raise SyncError(code, f"{self.system} did not answer within {self.timeout[1]} s.",
                                request=exchange.as_request(), response=exchange.as_response()) from exc

            body = _decode(response)
            exchange.status = response.status_code
            exchange.response = self.redact(body)
            status = response.status_code
            if status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None and retry_after > self.retry.max_retry_after:
                    # E.g. Centra's hourly bucket spent: no wait we would sit out can succeed, and
                    # sleeping would hold the worker (and the run) for minutes to no end.
                    raise SyncError(
                        "rate_limited", f"{self.system} answered 429 and asks us to wait {retry_after:.0f} s.",
                        request=exchange.as_request(), response=exchange.as_response(),
                        retry_at=datetime.now(UTC) + timedelta(seconds=retry_after))
                if attempt < self.retry.max_attempts:
                    self._wait(attempt, retry_after, "429", rate_limited=True)
                    continue
                raise SyncError("rate_limited", f"{self.system} kept answering 429 after {attempt} attempts.",
                                request=exchange.as_request(), response=exchange.as_response())
            if status == 401 and authenticated and not refreshed and self.refresh_auth():
                refreshed = True
                continue
            if status >= 500:
                if idempotent and attempt < self.retry.max_attempts:
                    self._wait(attempt, parse_retry_after(response.headers.get("Retry-After")), str(status))
                    continue
                code = "upstream_unavailable" if idempotent else "write_outcome_unknown"
                raise SyncError(code, f"{self.system} failed with HTTP {status}.",
                                request=exchange.as_request(), response=exchange.as_response())
            if status >= 400:
                error = self.error_from_response(response, body)
                error.request, error.response = exchange.as_request(), exchange.as_response()
                raise error
            self.spent(json, body)
            return body

    def _wait(self, attempt: int, retry_after: float | None, reason: str, *, rate_limited: bool = False) -> None:
        """Sleep before attempt `attempt + 1`. The next attempt takes a limiter slot like any request."""
        if rate_limited and retry_after is None:
            delay = self.retry.rate_limited_backoff(attempt)
        else:
            delay = self.retry.backoff(attempt)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry.max_retry_after))
        logger.info("%s: %s, retrying in %.2f s (attempt %d)", self.system, reason, delay, attempt)
        self.sleep(delay)


def _query(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())
