"""Fortnox API v3 client: OAuth2 access tokens, single-use refresh tokens, error bodies.

Fortnox refresh tokens work once: the answer to a refresh carries a new one and the old one is
dead. The token store therefore persists the new pair before anything else uses it, under a lock
shared by every worker of the connection, so two workers never burn the same refresh token.
"""

import base64
import json
import logging
from dataclasses import dataclass

from ...domain.errors import SyncError
from ...domain.tokens import OAuthTokens, TokenStore
from ..http import ApiClient
from ..ratelimit import Limit

logger = logging.getLogger(__name__)

# Fortnox allows 25 requests per 5 s per app and tenant (fortnox.md §2): keep one under it, so a
# request granted at the edge of our window cannot make the 26th in Fortnox's. That spare request
# is the margin, and `late` makes it hold for requests that reach Fortnox up to 5/24 s after their
# slot, in any order (`Limit.late`: at most 25 slots in any 5 + 5/24 s as well). The shared limiter
# adds no margin of its own: 24 per 5 s is 96 % of the ceiling.
FORTNOX_LIMIT = Limit(24, 5.0, margin=0.0, late=5.0 / 24)
REFRESH_REFUSED = {"remote_rejected", "auth_expired", "not_found"}
# OAuth2 error answers (RFC 6749 §5.2, fortnox.md §1.2) that refuse us access: the grant is dead, the
# consent withdrawn or our client credentials wrong. Only the shop re-authorizing (or fixed client
# credentials) helps; no document is at fault, so they must never read as `remote_rejected`.
OAUTH_REFUSALS = {"invalid_grant", "invalid_client", "unauthorized_client", "access_denied", "invalid_scope"}

# Fortnox error codes (fortnox.md §3.3) that mean something specific to us.
ERROR_CODES = {
    2000428: "unknown_sku",
    2000359: "invalid_article_number",
    2000423: "not_found",
    2000433: "not_found",
    2000434: "not_found",
    2000310: "auth_expired",
    2000311: "auth_expired",
    2003275: "auth_expired",
    2000663: "auth_forbidden",
    2001101: "auth_forbidden",
    2001103: "auth_forbidden",
}


class AccessRefused(SyncError):
    """Fortnox's OAuth server refused a grant; `oauth_error` is its `error` (e.g. invalid_grant)."""

    def __init__(self, oauth_error: str, message: str):
        super().__init__("auth_expired", message)
        self.oauth_error = oauth_error


def read_error_information(body) -> tuple[int | None, str]:
    """Fortnox sends `ErrorInformation` with lower-case keys on 400s and PascalCase on 404s."""
    if not isinstance(body, dict):
        return None, ""
    info = body.get("ErrorInformation") or body.get("errorInformation") or {}
    lowered = {str(k).lower(): v for k, v in info.items()}
    code = lowered.get("code")
    try:
        code = int(code) if code is not None else None
    except (TypeError, ValueError):
        code = None
    message = str(lowered.get("message") or body.get("message") or "")
    return code, message


@dataclass
class FortnoxClient(ApiClient):
    auth_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    tenant_id: str = ""  # Fortnox DatabaseNumber: allows the client-credentials grant (service account)
    tokens: TokenStore | None = None

    system = "Fortnox"

    def secrets(self):
        current = self.tokens.current() if self.tokens else None
        values = [self.client_secret]
        if current:
            values += [current.access_token, current.refresh_token]
        return values

    def auth_headers(self):
        tokens = self.tokens.current()
        if tokens.expires_soon():
            tokens = self._refresh(tokens.access_token)
        return {"Authorization": f"Bearer {tokens.access_token}"}

    def refresh_auth(self) -> bool:
        self._refresh(self.tokens.current().access_token)
        return True

    def _refresh(self, stale_access_token: str) -> OAuthTokens:
        tokens = self.tokens.refresh(stale_access_token, self._exchange_refresh_token)
        self.redact.secrets.extend([tokens.access_token, tokens.refresh_token])
        return tokens

    def _client_auth(self) -> dict:
        """HTTP Basic with the app's client id and secret, as the OAuth endpoints want it."""
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return {"Authorization": f"Basic {basic}"}

    def _token_request(self, form: dict, headers: dict | None = None):
        answer = self.request(
            "POST", f"{self.auth_url.rstrip('/')}/oauth-v1/token", data=form,
            headers={**self._client_auth(), **(headers or {})}, authenticated=False, idempotent=False,
        )
        if not isinstance(answer, dict) or "access_token" not in answer:
            raise SyncError("bad_response", "Fortnox's token endpoint answered without an access token.")
        return OAuthTokens.from_answer(answer)

    def _exchange_refresh_token(self, refresh_token: str) -> OAuthTokens:
        """Refresh the access token. A refresh token works once, so a lost answer burns it; with the
        tenant id known, the client-credentials grant (no refresh token at all) recovers instead of
        leaving the connection dead until the shop re-authorizes."""
        self.redact.secrets.append(refresh_token)
        if refresh_token:
            try:
                return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})
            except SyncError as exc:
                if getattr(exc, "oauth_error", "") == "invalid_client":  # no other grant can pass either
                    raise SyncError(
                        "auth_expired", "Fortnox refused Junipeer's client id and secret (invalid_client): check "
                        f"them on the connection, or re-authorize Junipeer in Fortnox. {exc.message}",
                        request=exc.request, response=exc.response,
                    ) from exc
                if self.tenant_id and exc.code in REFRESH_REFUSED | {"write_outcome_unknown"}:
                    logger.warning("Fortnox refresh failed (%s); recovering with the client-credentials grant",
                                   exc.code)
                elif exc.code in REFRESH_REFUSED:
                    raise SyncError(
                        "auth_expired",
                        "Fortnox refused our refresh token (used or expired): the shop must re-authorize "
                        f"Junipeer in Fortnox. {exc.message}", request=exc.request, response=exc.response,
                    ) from exc
                else:
                    raise
        if not self.tenant_id:
            raise SyncError("auth_expired", "No Fortnox refresh token: the shop must re-authorize Junipeer.")
        try:
            return self._token_request({"grant_type": "client_credentials"}, {"TenantId": str(self.tenant_id)})
        except SyncError as exc:
            if exc.code not in REFRESH_REFUSED:
                raise
            raise SyncError(
                "auth_expired",
                "Fortnox refused the client-credentials grant too (consent withdrawn?): the shop must "
                f"re-authorize Junipeer in Fortnox. {exc.message}", request=exc.request, response=exc.response,
            ) from exc

    def exchange_code(self, code: str, redirect_uri: str) -> OAuthTokens:
        """Step 3 of the authorization-code flow (fortnox.md §1.2): the code Fortnox sent back to
        `redirect_uri` (the same URI the browser was sent with) for a new access and refresh token.
        A code works once and lives 10 minutes; a refused one is `auth_expired`."""
        self.redact.secrets.append(code)
        tokens = self._token_request({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
        self.redact.secrets.extend([tokens.access_token, tokens.refresh_token])
        return tokens

    @staticmethod
    def tenant_of(access_token: str) -> str:
        """The `tenantId` claim of a Fortnox access token (a JWT, fortnox.md §1.2), read unverified:
        it only guards against approving the wrong company. Empty when it cannot be read."""
        try:
            payload = access_token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return ""
        return str(claims.get("tenantId") or "") if isinstance(claims, dict) else ""

    def revoke(self, token: str, token_type_hint: str = "refresh_token") -> bool:
        """Revoke a refresh (or access) token at Fortnox, e.g. when a shop disconnects. Fortnox
        answers `revoked: true` even for a token it does not know, so True proves little."""
        self.redact.secrets.append(token)
        answer = self.request(
            "POST", f"{self.auth_url.rstrip('/')}/oauth-v1/revoke",
            data={"token_type_hint": token_type_hint, "token": token}, headers=self._client_auth(),
            authenticated=False, idempotent=True,
        )
        return bool(isinstance(answer, dict) and answer.get("revoked"))

    def error_from_response(self, response, body):
        code, message = read_error_information(body)
        if isinstance(body, dict) and "error_description" in body:
            message = f"{body.get('error')}: {body['error_description']}"
        label = f"Fortnox {code}: {message}" if code else f"Fortnox HTTP {response.status_code}: {message}"
        if isinstance(body, dict) and body.get("error") in OAUTH_REFUSALS:
            return AccessRefused(body["error"], label)
        if response.status_code == 404:  # the object asked for is not there (reads: "no such object")
            return SyncError("not_found", label)
        if code in ERROR_CODES:  # e.g. a 400 because an invoice row names a missing article
            return SyncError(ERROR_CODES[code], label)
        if response.status_code == 401:
            return SyncError("auth_expired", label)
        if response.status_code == 403:
            return SyncError("auth_forbidden", label)
        return SyncError("remote_rejected", label)

    # --- resources --------------------------------------------------------------------------

    def get(self, path: str, **params):
        return self.request("GET", f"3/{path}", params=params or None)

    def post(self, path: str, payload: dict):
        return self.request("POST", f"3/{path}", json=payload, headers={"Content-Type": "application/json"})

    def put(self, path: str, payload: dict | None = None, *, idempotent: bool = True):
        """PUT updates are idempotent; actions that create (`/credit`) must say they are not."""
        return self.request(
            "PUT", f"3/{path}", json=payload, headers={"Content-Type": "application/json"}, idempotent=idempotent
        )

    def get_or_none(self, path: str):
        try:
            return self.get(path)
        except SyncError as exc:
            if exc.code == "not_found":
                return None
            raise

    def list_all(self, resource: str, key: str, **params) -> list[dict]:
        """Every item of a list resource, following `MetaInformation` pages."""
        items, page = [], 1
        while True:
            body = self.get(resource, limit=500, page=page, **params)
            items.extend(body.get(key) or [])
            meta = body.get("MetaInformation") or {}
            if page >= int(meta.get("@TotalPages") or 1):
                return items
            page += 1
