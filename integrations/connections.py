"""Connections: building clients from stored credentials, token persistence, health checks."""

import time
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from . import partner_events
from .connectors.centra import CentraClient
from .connectors.ratelimit import shared_limiter
from .domain.erp import ERP
from .domain.errors import SyncError
from .domain.registry import ERP as ERP_ROLE
from .domain.registry import OAUTH2, ConnectionConfig, ConnectorDescriptor, descriptor
from .domain.registry import SOURCE as SOURCE_ROLE
from .domain.tokens import OAuthTokens
from .models import Connection

REFRESH_LOCK_SECONDS = 30
REFRESH_WAIT_SECONDS = 60


TOKEN_CREDENTIALS = ("access_token", "refresh_token", "expires_at")


def set_credentials(connection: Connection, **values) -> None:
    """Merge new secret values into a connection's encrypted credentials. A system whose client fetches
    its own tokens (client credentials) drops the token it keeps when a credential changes: it was
    issued for the old ones, and a check with it would pass whatever was typed (a chosen environment or
    company needs no new token)."""
    system = descriptor(connection.kind)
    credentials = dict(connection.credentials)
    given = {k: v for k, v in values.items() if v not in (None, "")}
    typed = {f.name for f in system.typed_credentials}
    changed = any(credentials.get(k) != v for k, v in given.items() if k in typed)
    credentials.update(given)
    if changed and system.keeps_tokens:
        for name in TOKEN_CREDENTIALS:
            credentials.pop(name, None)
    connection.credentials = credentials
    connection.save(update_fields=["credentials", "updated_at"])


def clear_credentials(connection: Connection, *names: str) -> None:
    """Forget some credentials (e.g. a company chosen in an environment no longer chosen)."""
    credentials = {k: v for k, v in connection.credentials.items() if k not in names}
    if credentials != connection.credentials:
        connection.credentials = credentials
        connection.save(update_fields=["credentials", "updated_at"])


def missing_credentials(connection: Connection) -> list[str]:
    return [k for k in descriptor(connection.kind).required_credentials if not connection.credentials.get(k)]


def save_tokens(connection: Connection, tokens: OAuthTokens) -> None:
    """Store a new OAuth2 token pair at once. Even an empty refresh token is saved: the old one is
    spent either way (refresh tokens work once)."""
    credentials = dict(connection.credentials)
    credentials.update(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                       expires_at=tokens.expires_at)
    connection.credentials = credentials
    connection.save(update_fields=["credentials", "updated_at"])


class ConnectionTokenStore:
    """OAuth2 tokens (Fortnox's) kept in a connection's encrypted credentials.

    A refresh is serialized across every worker and machine by a short lease on the connection
    row (`refresh_lock_until`), taken with one conditional UPDATE. No database transaction is held
    during the HTTP call, so the embedded SQLite setup (where the sandbox shares the database)
    never deadlocks on it. The new refresh token is saved the moment it arrives.
    """

    def __init__(self, connection: Connection):
        self.connection_id = connection.pk
        self._tokens = self._read(connection)

    @staticmethod
    def _read(connection: Connection) -> OAuthTokens:
        c = connection.credentials
        return OAuthTokens(c.get("access_token", ""), c.get("refresh_token", ""), float(c.get("expires_at") or 0))

    def _reload(self) -> OAuthTokens:
        self._tokens = self._read(Connection.objects.get(pk=self.connection_id))
        return self._tokens

    def current(self) -> OAuthTokens:
        return self._tokens

    def _already_refreshed(self, tokens: OAuthTokens, stale: str) -> bool:
        return tokens.access_token != stale and not tokens.expires_soon()

    def refresh(self, stale_access_token: str, exchange) -> OAuthTokens:
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


def config_of(connection: Connection) -> ConnectionConfig:
    """A connection as plain data for its connector; OAuth2 tokens are kept in the connection itself."""
    system = descriptor(connection.kind)
    oauth = system.auth == OAUTH2 or system.keeps_tokens
    return ConnectionConfig(
        key=f"connection:{connection.pk}",
        base_url=connection.base_url,
        auth_url=connection.auth_url,
        credentials=connection.credentials,
        settings=connection.settings,
        token_store=ConnectionTokenStore(connection) if oauth else None,
    )


def _build(connection: Connection, role: str, **options):
    system: ConnectorDescriptor = descriptor(connection.kind)
    if system.role != role:
        raise SyncError("flow_misconfigured", f"{connection} is a {system.label} connection, not a {role} system.")
    options.setdefault("limiter", shared_limiter())  # every worker of a connection draws from one window
    return system.build(config_of(connection), **options)


def centra_client(connection: Connection, **options) -> CentraClient:
    """The client of a source connection (Centra is the one source system today)."""
    return _build(connection, SOURCE_ROLE, **options)


def erp_for(connection: Connection, **options) -> ERP:
    """The ERP adapter of an ERP connection, whatever the system: flows speak the ERP port to it."""
    return _build(connection, ERP_ROLE, **options)


def chosen_options(connection: Connection, name: str) -> list[tuple[str, str]]:
    """What credential `name` of the connection can be chosen from (`ChosenField`), listed live by the
    system with the credentials typed and the choices made so far. Raises a SyncError saying what to fix."""
    system = descriptor(connection.kind)
    chosen = next(c for c in system.chosen if c.name == name)
    return chosen.options(_build(connection, system.role))


def mark_health(connection: Connection, healthy: bool, message: str = "", code: str = "") -> None:
    """Record a connection's health. Unhealthy opens an alert and pauses every flow using it
    (circuit breaker: stop hammering a tenant that refuses us; see `scheduling.runnable_flows`); healthy
    again closes the alert and the flows resume from their cursors. `code` is the catalog code of
    the refusal, so the alert can say what to do (reconnect, or wait for an outage to pass)."""
    from .alerts import connection_health_changed

    health = Connection.Health.HEALTHY if healthy else Connection.Health.UNHEALTHY
    fields = {"health": health, "health_message": message[:2000], "last_checked_at": timezone.now()}
    # Turning unhealthy is told to the shop's partner once (not at every failing check): only the
    # check whose update finds the connection not yet unhealthy raises the event.
    turned_unhealthy = not healthy and Connection.objects.filter(pk=connection.pk).exclude(
        health=Connection.Health.UNHEALTHY).update(**fields)
    if not turned_unhealthy:
        Connection.objects.filter(pk=connection.pk).update(**fields)
    connection.health = health
    connection.health_message = message[:2000]
    connection.last_checked_at = fields["last_checked_at"]  # an answer about it says when it was checked
    if turned_unhealthy:
        partner_events.connection_unhealthy(connection, message, code)
    connection_health_changed(connection, healthy, message, code)


def check_connection(connection: Connection) -> tuple[bool, str]:
    """Call the cheapest authenticated endpoint and record the connection's health."""
    missing = missing_credentials(connection)
    if missing:
        message = f"Missing credentials: {', '.join(missing)}"
        mark_health(connection, False, message, "auth_expired")
        return False, message
    try:
        if descriptor(connection.kind).role == SOURCE_ROLE:
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
