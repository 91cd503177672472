"""Reconnecting an OAuth2 system (Fortnox today) with the authorization-code flow (fortnox.md §1.2).

When the shop withdraws Junipeer's consent, or every token dies, only the shop can give access
again. Staff start the flow: the browser goes to Fortnox's consent page with a random `state` kept
server-side (in the session) and checked when Fortnox sends the browser back with a code. The code
is exchanged at once and the new tokens are saved before anything else, because the refresh token
works once. The health check then marks the connection healthy, which closes its alert and lets
its paused flows resume from their cursors (nothing of the outage is lost, however long it was).
"""

import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .connections import check_connection, erp_for, save_tokens
from .domain.errors import SyncError
from .domain.registry import OAUTH2
from .models import Connection, Flow

logger = logging.getLogger(__name__)

STATE_TTL_SECONDS = 600  # as long as an authorization code lives (Fortnox: 10 minutes)
PENDING_KEY = "oauth_reconnects"


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


def scopes(connection: Connection) -> str:
    """What to ask for: the connection's own `oauth_scope`, else what its enabled flows need
    (every flow's, while none is enabled)."""
    if connection.settings.get("oauth_scope"):
        return str(connection.settings["oauth_scope"])
    oauth = connection.system.oauth
    kinds = set(Flow.objects.using_connection(connection).filter(enabled=True).values_list("kind", flat=True))
    return " ".join(oauth.scopes_for(kinds or Flow.Kind.values))


def begin(connection: Connection, redirect_uri: str, pending: MutableMapping) -> str:
    """Remember a new attempt under a random state in `pending` (the session) and return the
    system's consent URL to send the browser to."""
    system = connection.system
    if system.auth != OAUTH2:
        raise ReconnectFailed(f"{connection} is reached with an API token, not OAuth2: enter a new token "
                              "on the connection instead.", connection)
    credentials = connection.credentials
    if not credentials.get("client_id") or not credentials.get("client_secret"):
        raise ReconnectFailed(f"{connection} has no client id and secret: enter Junipeer's {system.label} app "
                              "credentials on the connection first.", connection)
    state = secrets.token_urlsafe(32)
    attempts = _live_attempts(pending)
    attempts[state] = {"connection": connection.pk, "redirect_uri": redirect_uri,
                       "expires_at": time.time() + STATE_TTL_SECONDS}
    pending[PENDING_KEY] = attempts
    params = {
        "client_id": credentials["client_id"], "redirect_uri": redirect_uri,
        "scope": scopes(connection), "state": state,
        "access_type": "offline", "response_type": "code",
    }
    if connection.settings.get("service_account"):  # lets the client-credentials grant recover a lost refresh
        params["account_type"] = "service"
    root = (connection.auth_url or connection.base_url).rstrip("/")
    return f"{root}/{system.oauth.authorize_path}?{urlencode(params, quote_via=quote)}"


def finish(params: Mapping, pending: MutableMapping) -> Reconnected:
    """Handle the system's answer (`code` and `state`, or `error`): check the state, exchange the code,
    save the tokens at once, run the health check. Raises ReconnectFailed with what to tell."""
    state = params.get("state") or ""
    if not state:
        raise ReconnectFailed("The answer carried no state, so it cannot be matched to a reconnect "
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
    label = connection.system.label
    if params.get("error"):
        described = f"{params['error']}: {params['error_description']}" if params.get("error_description") \
            else params["error"]
        raise ReconnectFailed(f"{label} did not give access ({described}). {connection} is unchanged; start again "
                              f"and approve Junipeer's access in {label}.", connection)
    if not params.get("code"):
        raise ReconnectFailed(f"{label} sent no authorization code. {connection} is unchanged; start again.",
                              connection)
    client = erp_for(connection).client  # the OAuth2 client of the connection's ERP adapter
    try:
        tokens = client.exchange_code(params["code"], attempt["redirect_uri"])
    except SyncError as exc:
        raise ReconnectFailed(f"{label} refused the authorization code [{exc.code}]: {exc.message} {connection} "
                              "is unchanged; start again.", connection) from exc
    _refuse_another_company(client, connection, tokens)
    save_tokens(connection, tokens)  # first: the refresh token works once
    healthy, answer = check_connection(connection)
    if not healthy:
        return Reconnected(connection, False, f"{label} gave new tokens and they are saved, but the health check "
                                              f"failed: {answer} The flows stay paused.")
    flows = Flow.objects.using_connection(connection).filter(enabled=True).count()
    return Reconnected(connection, True, (
        f"{connection} is reconnected: {label} gave new tokens, they are saved, and the health check answered OK. "
        f"Its {flows} enabled flow(s) resume from their cursors at their next scheduled run, and sync "
        "everything that happened while access was refused."
    ))


def _refuse_another_company(client, connection: Connection, tokens) -> None:
    """A person with access to several companies may approve the wrong one: its tokens are revoked
    rather than stored, so no invoice ever goes to another company's books."""
    known = str(connection.credentials.get("tenant_id") or "")
    granted = client.tenant_of(tokens.access_token)
    if not known or not granted or known == granted:
        return
    try:
        client.revoke(tokens.refresh_token)
    except SyncError as exc:  # the tokens are not stored either way; Fortnox expires them
        logger.warning("could not revoke tokens of the wrong company %s: %s", granted, exc)
    label = connection.system.label
    raise ReconnectFailed(f"Access was approved for {label} company {granted}, but {connection} syncs company "
                          f"{known}. Nothing was saved; start again and choose company {known} in {label}.",
                          connection)
