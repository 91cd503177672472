"""Connections: building clients from stored credentials, token persistence, health checks."""

import time
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .connectors.centra import CentraClient
from .connectors.fortnox import FortnoxClient, FortnoxERP, FortnoxTokens
from .connectors.fortnox.client import FORTNOX_LIMIT
from .connectors.ratelimit import Limit, shared_limiter
from .domain.errors import SyncError
from .models import Connection, Flow

REFRESH_LOCK_SECONDS = 30
REFRESH_WAIT_SECONDS = 60

REQUIRED_CREDENTIALS = {
    Connection.Kind.CENTRA: ("api_token",),
    Connection.Kind.FORTNOX: ("client_id", "client_secret", "access_token"),
}


def set_credentials(connection: Connection, **values) -> None:
    """Merge new secret values into a connection's encrypted credentials."""
    credentials = dict(connection.credentials)
    credentials.update({k: v for k, v in values.items() if v not in (None, "")})
    connection.credentials = credentials
    connection.save(update_fields=["credentials", "updated_at"])


def missing_credentials(connection: Connection) -> list[str]:
    return [k for k in REQUIRED_CREDENTIALS.get(connection.kind, ()) if not connection.credentials.get(k)]


def save_tokens(connection: Connection, tokens: FortnoxTokens) -> None:
    """Store a new Fortnox token pair at once. Even an empty refresh token is saved: the old one is
    spent either way (refresh tokens work once)."""
    credentials = dict(connection.credentials)
    credentials.update(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                       expires_at=tokens.expires_at)
    connection.credentials = credentials
    connection.save(update_fields=["credentials", "updated_at"])


class ConnectionTokenStore:
    """Fortnox tokens kept in a connection's encrypted credentials.

    A refresh is serialized across every worker and machine by a short lease on the connection
    row (`refresh_lock_until`), taken with one conditional UPDATE. No database transaction is held
    during the HTTP call, so the embedded SQLite setup (where the sandbox shares the database)
    never deadlocks on it. The new refresh token is saved the moment it arrives.
    """

    def __init__(self, connection: Connection):
        self.connection_id = connection.pk
        self._tokens = self._read(connection)

    @staticmethod
    def _read(connection: Connection) -> FortnoxTokens:
        c = connection.credentials
        return FortnoxTokens(c.get("access_token", ""), c.get("refresh_token", ""), float(c.get("expires_at") or 0))

    def _reload(self) -> FortnoxTokens:
        self._tokens = self._read(Connection.objects.get(pk=self.connection_id))
        return self._tokens

    def current(self) -> FortnoxTokens:
        return self._tokens

    def _already_refreshed(self, tokens: FortnoxTokens, stale: str) -> bool:
        return tokens.access_token != stale and not tokens.expires_soon()

    def refresh(self, stale_access_token: str, exchange) -> FortnoxTokens:
        deadline = time.monotonic() + REFRESH_WAIT_SECONDS
        while True:
            tokens = self._reload()
            if self._already_refreshed(tokens, stale_access_token):
                return tokens
            now = timezone.now()
            taken = Connection.objects.filter(
                Q(refresh_lock_until__isnull=True) | Q(refresh_lock_until__lt=now), pk=self.connection_id
            ).update(refresh_lock_until=now + timedelta(seconds=REFRESH_LOCK_SECONDS))
            if taken:
                break
            if time.monotonic() > deadline:
                raise SyncError("upstream_unavailable", "Timed out waiting for another worker's token refresh.")
            time.sleep(0.2)
        try:
            tokens = self._reload()  # someone may have finished a refresh just before we locked
            if self._already_refreshed(tokens, stale_access_token):
                return tokens
            fresh = exchange(tokens.refresh_token)
            save_tokens(Connection.objects.get(pk=self.connection_id), fresh)
            self._tokens = fresh
            return fresh
        finally:
            Connection.objects.filter(pk=self.connection_id).update(refresh_lock_until=None)


def _limit(connection: Connection, default: Limit) -> Limit:
    """A connection may carry its own limit, e.g. a tenant with a raised Fortnox quota."""
    custom = connection.settings.get("rate_limit")
    return Limit(int(custom["requests"]), float(custom["per_seconds"])) if custom else default


def centra_client(connection: Connection, **kwargs) -> CentraClient:
    kwargs.setdefault("limiter", shared_limiter())  # every worker of the connection draws from one window
    return CentraClient(
        base_url=connection.base_url,
        api_token=connection.credentials.get("api_token", ""),
        limit=_limit(connection, CentraClient.plan_limit(connection.settings.get("plan", "growth"))),
        connection_key=f"connection:{connection.pk}",
        **kwargs,
    )


def fortnox_client(connection: Connection, **kwargs) -> FortnoxClient:
    kwargs.setdefault("limiter", shared_limiter())
    return FortnoxClient(
        base_url=connection.base_url,
        auth_url=connection.auth_url or connection.base_url,
        client_id=connection.credentials.get("client_id", ""),
        client_secret=connection.credentials.get("client_secret", ""),
        tenant_id=str(connection.credentials.get("tenant_id", "")),
        tokens=ConnectionTokenStore(connection),
        connection_key=f"connection:{connection.pk}",
        limit=_limit(connection, FORTNOX_LIMIT),
        **kwargs,
    )


def erp_for(connection: Connection, **kwargs) -> FortnoxERP:
    if connection.kind != Connection.Kind.FORTNOX:
        raise SyncError("invalid_source_data", f"{connection} is not an ERP connection.")
    return FortnoxERP(fortnox_client(connection, **kwargs))


# A connection answering these refuses our access itself (revoked consent, dead token, no licence):
# nothing passes until someone reconnects it, so the run stops and the connection's flows pause.
ACCESS_REFUSED = {"auth_expired", "auth_forbidden"}


def flows_using(connection: Connection):
    """Every flow that reads or writes through `connection`, whatever integration it belongs to."""
    return Flow.objects.filter(Q(integration__source=connection) | Q(integration__target=connection))


def mark_health(connection: Connection, healthy: bool, message: str = "", code: str = "") -> None:
    """Record a connection's health. Unhealthy opens an alert and pauses every flow using it
    (circuit breaker: stop hammering a tenant that refuses us; see `tasks.runnable_flows`); healthy
    again closes the alert and the flows resume from their cursors. `code` is the catalog code of
    the refusal, so the alert can say what to do (reconnect, or wait for an outage to pass)."""
    from .alerts import connection_health_changed

    health = Connection.Health.HEALTHY if healthy else Connection.Health.UNHEALTHY
    Connection.objects.filter(pk=connection.pk).update(
        health=health, health_message=message[:2000], last_checked_at=timezone.now()
    )
    connection.health = health
    connection.health_message = message[:2000]
    connection_health_changed(connection, healthy, message, code)


def check_connection(connection: Connection) -> tuple[bool, str]:
    """Call the cheapest authenticated endpoint and record the connection's health."""
    missing = missing_credentials(connection)
    if missing:
        message = f"Missing credentials: {', '.join(missing)}"
        mark_health(connection, False, message, "auth_expired")
        return False, message
    try:
        if connection.kind == Connection.Kind.CENTRA:
            centra_client(connection).check()
        else:
            company = erp_for(connection).check()
            if company.tenant_id and not connection.credentials.get("tenant_id"):
                # the tenant id lets the connection recover by itself if a refresh answer is lost
                set_credentials(connection, tenant_id=company.tenant_id)
    except SyncError as exc:
        mark_health(connection, False, str(exc), exc.code)
        return False, str(exc)
    mark_health(connection, True, "OK")
    return True, "OK"
