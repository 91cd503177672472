"""Reconnecting Fortnox with the OAuth2 authorization-code flow (fortnox.md §1.2).

When the shop withdraws Junipeer's consent, or every token dies, only the shop can give access
again. Staff start the flow: the browser goes to Fortnox's consent page with a random `state` kept
server-side (in the session) and checked when Fortnox sends the browser back with a code. The code
is exchanged at once and the new tokens are saved before anything else, because the refresh token
works once. The health check then marks the connection healthy, which closes its alert and lets
its paused flows resume from their cursors (nothing of the outage is lost, however long it was).
"""

import base64
import json
import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .connections import check_connection, flows_using, fortnox_client, save_tokens
from .domain.errors import SyncError
from .models import Connection

logger = logging.getLogger(__name__)

# Every scope the flows need (fortnox.md §1.5); a connection may ask for its own (`oauth_scope`).
SCOPE = "article bookkeeping companyinformation currency customer invoice price settings"
STATE_TTL_SECONDS = 600  # as long as Fortnox's authorization code lives
PENDING_KEY = "fortnox_reconnects"


class ReconnectFailed(Exception):
    """A reconnect that did not happen, with what to tell the person who tried."""

    def __init__(self, message: str, connection: Connection | None = None):
        super().__init__(message)
        self.message = message
        self.connection = connection


@dataclass(frozen=True)
class Reconnected:
    connection: Connection
    healthy: bool
    message: str


def _live_attempts(pending: Mapping) -> dict:
    now = time.time()
    return {state: attempt for state, attempt in (pending.get(PENDING_KEY) or {}).items()
            if attempt.get("expires_at", 0) > now}


def begin(connection: Connection, redirect_uri: str, pending: MutableMapping) -> str:
    """Remember a new attempt under a random state in `pending` (the session) and return the
    Fortnox consent URL to send the browser to."""
    if connection.kind != Connection.Kind.FORTNOX:
        raise ReconnectFailed(f"{connection} is not a Fortnox connection.", connection)
    credentials = connection.credentials
    if not credentials.get("client_id") or not credentials.get("client_secret"):
        raise ReconnectFailed(f"{connection} has no client id and secret: enter Junipeer's Fortnox app "
                              "credentials on the connection first.", connection)
    state = secrets.token_urlsafe(32)
    attempts = _live_attempts(pending)
    attempts[state] = {"connection": connection.pk, "redirect_uri": redirect_uri,
                       "expires_at": time.time() + STATE_TTL_SECONDS}
    pending[PENDING_KEY] = attempts
    params = {
        "client_id": credentials["client_id"], "redirect_uri": redirect_uri,
        "scope": connection.settings.get("oauth_scope") or SCOPE, "state": state,
        "access_type": "offline", "response_type": "code",
    }
    if connection.settings.get("service_account"):  # lets the client-credentials grant recover a lost refresh
        params["account_type"] = "service"
    root = (connection.auth_url or connection.base_url).rstrip("/")
    return f"{root}/oauth-v1/auth?{urlencode(params, quote_via=quote)}"


def granted_tenant(access_token: str) -> str:
    """The `tenantId` claim of a Fortnox access token (a JWT, fortnox.md §1.2), read unverified:
    it only guards against approving the wrong company. Empty when it cannot be read."""
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return ""
    return str(claims.get("tenantId") or "") if isinstance(claims, dict) else ""


def finish(params: Mapping, pending: MutableMapping) -> Reconnected:
    """Handle Fortnox's answer (`code` and `state`, or `error`): check the state, exchange the code,
    save the tokens at once, run the health check. Raises ReconnectFailed with what to tell."""
    state = params.get("state") or ""
    if not state:
        raise ReconnectFailed("The answer from Fortnox carried no state, so it cannot be matched to a reconnect "
                              "started here. Start again from the connection's page.")
    attempts = _live_attempts(pending)
    attempt = attempts.pop(state, None)
    pending[PENDING_KEY] = attempts  # a state is good for one answer
    if attempt is None:
        raise ReconnectFailed("This answer does not match a reconnect started in this session (unknown, expired "
                              "or already used state). Start again from the connection's page.")
    connection = Connection.objects.filter(pk=attempt["connection"]).first()
    if connection is None:
        raise ReconnectFailed("The connection of this reconnect no longer exists.")
    if params.get("error"):
        described = f"{params['error']}: {params['error_description']}" if params.get("error_description") \
            else params["error"]
        raise ReconnectFailed(f"Fortnox did not give access ({described}). {connection} is unchanged; start again "
                              "and approve Junipeer's access in Fortnox.", connection)
    if not params.get("code"):
        raise ReconnectFailed(f"Fortnox sent no authorization code. {connection} is unchanged; start again.",
                              connection)
    client = fortnox_client(connection)
    try:
        tokens = client.exchange_code(params["code"], attempt["redirect_uri"])
    except SyncError as exc:
        raise ReconnectFailed(f"Fortnox refused the authorization code [{exc.code}]: {exc.message} {connection} "
                              "is unchanged; start again.", connection) from exc
    _refuse_another_company(client, connection, tokens)
    save_tokens(connection, tokens)  # first: the refresh token works once
    healthy, answer = check_connection(connection)
    if not healthy:
        return Reconnected(connection, False, f"Fortnox gave new tokens and they are saved, but the health check "
                                              f"failed: {answer} The flows stay paused.")
    flows = flows_using(connection).filter(enabled=True).count()
    return Reconnected(connection, True, (
        f"{connection} is reconnected: Fortnox gave new tokens, they are saved, and the health check answered OK. "
        f"Its {flows} enabled flow(s) resume from their cursors at their next scheduled run, and sync "
        "everything that happened while access was refused."
    ))


def _refuse_another_company(client, connection: Connection, tokens) -> None:
    """A person with access to several Fortnox companies may approve the wrong one: its tokens are
    revoked rather than stored, so no invoice ever goes to another company's books."""
    known = str(connection.credentials.get("tenant_id") or "")
    granted = granted_tenant(tokens.access_token)
    if not known or not granted or known == granted:
        return
    try:
        client.revoke(tokens.refresh_token)
    except SyncError as exc:  # the tokens are not stored either way; Fortnox expires them
        logger.warning("could not revoke tokens of the wrong Fortnox company %s: %s", granted, exc)
    raise ReconnectFailed(f"Access was approved for Fortnox company {granted}, but {connection} syncs company "
                          f"{known}. Nothing was saved; start again and choose company {known} in Fortnox.",
                          connection)
