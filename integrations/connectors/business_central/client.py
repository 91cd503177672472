"""Business Central API v2.0 client (business-central.md §1-4).

- URLs: `{api}/v2.0/{tenant}/{environment}/api/v2.0/companies({company})/…`.
- Access: Microsoft Entra client credentials. There is no refresh token: a new access token is
  fetched when the old one is about to expire. The token lives in the connection (`tokens`, a
  `TokenStore`), so every worker of a connection uses the same one and one fetch happens at a time.
- Lists: OData `value` pages followed through `@odata.nextLink`, asked for with
  `Prefer: odata.maxpagesize`.
- PATCH needs `If-Match` with the record's etag; a stale etag (409 `Request_EntityChanged`) is
  answered by reading the record again and re-applying the change (`patch_fresh`).
- Errors: the `{"error": {"code", "message}}` envelope becomes a catalog code with advice; the
  CorrelationId is kept in the message for Microsoft support.
- Rate: 6 000 requests per 5 minutes and 5 at once per user (§2). The shared limiter keeps a
  connection under a 5-minute window; a shared concurrency cap (`concurrency.py`: a semaphore of
  leases, one per connection, for every worker on every machine) keeps at most 5 of its requests at
  BC at once (the connection setting `max_concurrent` changes it), held from sending a request
  until its answer is read, never while waiting to retry. A lease ends by itself after the HTTP
  timeouts plus a margin, so a killed worker frees its slot; a request that waits `CAP_WAIT` for a
  slot fails as `rate_limited` and is retried later. No one-second window on top: it guessed at
  the number in flight from a rate, so slow answers piled up past 5 and fast ones were held back.
- Writes are retried only when known not to have happened (429, refused connection). A 5xx,
  timeout or deadlock after a write was sent is `write_outcome_unknown`: a blindly retried deep
  insert is known to duplicate invoice lines. Reads are retried on deadlocks too.
"""

import logging
import re
from dataclasses import dataclass

from ...domain.errors import SyncError
from ...domain.tokens import OAuthTokens, TokenStore
from ..concurrency import Cap, CappedAdapter, local_semaphore
from ..http import ApiClient
from ..ratelimit import Limit

logger = logging.getLogger(__name__)

BC_LIMIT = Limit(5000, 300.0)  # under 6 000 per 5-minute window per user
BC_MAX_CONCURRENT = 5  # requests BC processes at once per user; more wait in its queue (§2)
LEASE_MARGIN = 15.0  # seconds a lease outlives the HTTP timeouts (a read timeout bounds each read, not the whole)
CAP_WAIT = 60.0  # seconds a request waits for a slot before it fails as rate_limited
SCOPE = "https://api.businesscentral.dynamics.com/.default"
PAGE_SIZE = 1000
ENTITY_CHANGED_RETRIES = 3
DEADLOCK_READ_RETRIES = 3
CORRELATION = re.compile(r"\s*CorrelationId:\s*([0-9a-fA-F-]+)\.?\s*$")
# Entra's OAuth errors that refuse our app: only fixed credentials (or admin consent) help.
OAUTH_REFUSALS = {"invalid_client", "unauthorized_client", "invalid_grant", "invalid_scope", "invalid_request"}

# BC error codes (§3.3) that mean something specific to us.
CODES = {
    "Application_StringExceededLength": "field_too_long",
    "Request_EntityChanged": "entity_changed",
    "BadRequest_ResourceNotFound": "not_found",
    "BadRequest_NotFound": "not_found",
    "Internal_RecordNotFound": "not_found",
    "Internal_CompanyNotFound": "not_found",
    "Internal_DataNotFoundFilter": "not_found",
    "Internal_TenantUnavailable": "upstream_unavailable",
}
ADVICE = {
    "field_too_long": "Business Central refuses over-long values instead of cutting them: shorten the value in "
                      "Centra or add a truncate transform to its field mapping.",
    "auth_expired": "Microsoft Entra accepted the app's client id and secret, but Business Central refused the app: "
                    "on Business Central's 'Microsoft Entra applications' page, give the app (its client id) a card "
                    "with State Enabled and permission sets, in this environment.",
    "auth_forbidden": "Give the app's card on Business Central's 'Microsoft Entra applications' page the "
                      "permission sets it needs (e.g. D365 BUS FULL ACCESS; SUPER is not allowed for apps).",
}


# Entra's AADSTS codes that say which credential is wrong (standard Entra texts, §1.2): what to fix.
ENTRA_REFUSALS = {
    "AADSTS7000215": "Microsoft Entra refused the client secret: paste the Value (not the Secret ID) of a current "
                     "secret from the app registration's Certificates & secrets.",
    "AADSTS7000222": "The client secret has expired: add a new secret to the app registration (Certificates & "
                     "secrets) and paste its Value.",
    "AADSTS90002": "Microsoft Entra knows no tenant {tenant!r}: type the tenant's domain (e.g. "
                   "contoso.onmicrosoft.com) or its Tenant ID (a GUID, on the Entra admin center's Overview page).",
    "AADSTS900023": "{tenant!r} is not a tenant: type the tenant's domain (e.g. contoso.onmicrosoft.com) or its "
                    "Tenant ID (a GUID, on the Entra admin center's Overview page).",
    "AADSTS700016": "Microsoft Entra found no app with client id {client_id!r} in tenant {tenant!r}: check the "
                    "Application (client) ID, and that an administrator of the tenant gave the app admin consent.",
}
ENTRA_FALLBACK = ("Check the connection's tenant, client id and client secret, and that an administrator of the "
                  "tenant gave the app admin consent.")
AADSTS = re.compile(r"AADSTS\d+")


def split_message(text: str) -> tuple[str, str]:
    """(message, correlation id): BC appends '  CorrelationId:  <guid>.' to every error message."""
    match = CORRELATION.search(text or "")
    return (text[: match.start()].strip(), match.group(1)) if match else ((text or "").strip(), "")


def is_deadlock(code: str, message: str) -> bool:
    lowered = message.lower()
    return "deadlock" in lowered or "please retry the activity" in lowered or (
        code == "Internal_ServerError" and "locked" in lowered)


def quoted(value: str) -> str:
    """A string literal for `$filter` (single quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class BusinessCentralClient(ApiClient):
    auth_url: str = ""
    tenant: str = ""
    environment: str = ""
    company_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    tokens: TokenStore | None = None  # None: a token per client instance (tests, one-off checks)
    page_size: int = PAGE_SIZE
    semaphore: object = local_semaphore  # connections pass the shared one (`concurrency.shared_semaphore`)
    max_concurrent: int = BC_MAX_CONCURRENT

    system = "Business Central"

    def __post_init__(self):
        super().__post_init__()
        self._own_tokens: OAuthTokens | None = None
        if self.base_url.startswith(("https://", "http://")):
            # Every request to BC's address goes through the cap; the URL guard stays underneath it.
            prefix = f"{self.base_url}/"
            self.session.mount(prefix, CappedAdapter(self.session.get_adapter(prefix), self.semaphore,
                                                     f"{self.connection_key}:in-flight", self.cap))

    @property
    def cap(self) -> Cap:
        return Cap(self.max_concurrent, lease_seconds=sum(self.timeout) + LEASE_MARGIN, max_wait=CAP_WAIT)

    # --- access -----------------------------------------------------------------------------

    def secrets(self):
        current = self.tokens.current() if self.tokens else None
        return [self.client_secret, current.access_token if current else ""]

    def _current(self) -> OAuthTokens:
        if self.tokens is not None:
            return self.tokens.current()
        return self._own_tokens or OAuthTokens("", "", 0)

    def auth_headers(self):
        tokens = self._current()
        if not tokens.access_token or tokens.expires_soon():
            tokens = self._renew(tokens.access_token)
        return {"Authorization": f"Bearer {tokens.access_token}"}

    def refresh_auth(self) -> bool:
        """After a 401: the token was revoked or expired early; fetch another once."""
        self._renew(self._current().access_token)
        return True

    def _renew(self, stale_access_token: str) -> OAuthTokens:
        if self.tokens is not None:
            tokens = self.tokens.refresh(stale_access_token, lambda _refresh_token: self.fetch_token())
        else:
            tokens = self._own_tokens = self.fetch_token()
        self.redact.secrets.append(tokens.access_token)
        return tokens

    def fetch_token(self) -> OAuthTokens:
        """The client-credentials grant (§1.2 A). A refusal means our app, its secret or its consent
        is wrong: no document is at fault, so it reads as `auth_expired` with what to check."""
        if not (self.tenant and self.client_id and self.client_secret):
            raise SyncError("auth_expired", "The Business Central connection lacks its tenant, client id or client "
                                            "secret: fill them in the connection settings.")
        kept = len(self.journal)
        answer = self.request(
            "POST", f"{self.auth_url.rstrip('/')}/{self.tenant}/oauth2/v2.0/token", authenticated=False,
            idempotent=True,  # a token request changes nothing: asking again is always safe
            data={"grant_type": "client_credentials", "client_id": self.client_id,
                  "client_secret": self.client_secret, "scope": SCOPE},
        )
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise SyncError("bad_response", "Microsoft Entra's token endpoint answered without an access token.")
        del self.journal[kept:]  # a token fetch is no document's exchange (a refused one stays, as evidence)
        tokens = OAuthTokens.from_answer(answer)
        return OAuthTokens(tokens.access_token, "", tokens.expires_at)

    # --- errors -----------------------------------------------------------------------------

    def error_from_response(self, response, body):
        status = response.status_code
        if isinstance(body, dict) and isinstance(body.get("error"), str):  # Entra's OAuth error shape
            description = str(body.get("error_description") or "").split("\r\n")[0]
            code = "auth_expired" if body["error"] in OAUTH_REFUSALS or status in (400, 401) else "remote_rejected"
            found = AADSTS.search(description)
            advice = ENTRA_REFUSALS.get(found.group(0) if found else "", ENTRA_FALLBACK)
            advice = advice.format(tenant=self.tenant, client_id=self.client_id)
            return SyncError(code, f"{advice} (Microsoft Entra: {body['error']}: {description})")
        error = body.get("error") if isinstance(body, dict) else None
        bc_code = str((error or {}).get("code") or "") if isinstance(error, dict) else ""
        message, correlation = split_message(str((error or {}).get("message") or "") if isinstance(error, dict)
                                             else str(body or "")[:300])
        label = f"Business Central {bc_code or f'HTTP {status}'}: {message}"
        if correlation:
            label += f" (CorrelationId {correlation})"
        if is_deadlock(bc_code, message):
            method = getattr(response.request, "method", "GET") if response.request is not None else "GET"
            code = "upstream_unavailable" if method == "GET" else "write_outcome_unknown"
            return SyncError(code, f"{label}. A deadlock may have applied part of a write: the record is looked up "
                                   "by its reference before anything is created again.")
        if status == 401 or bc_code.startswith("Authentication_"):
            return SyncError("auth_expired", f"{label}. {ADVICE['auth_expired']}")
        if status == 403 or bc_code.startswith("Authorization_"):
            return SyncError("auth_forbidden", f"{label}. {ADVICE['auth_forbidden']}")
        code = CODES.get(bc_code) or ("not_found" if status == 404 else "remote_rejected")
        return SyncError(code, f"{label}. {ADVICE[code]}" if code in ADVICE else label)

    # --- requests ---------------------------------------------------------------------------

    def request(self, method, path, **kwargs):
        headers = {"Accept-Language": "en-US", **(kwargs.pop("headers", None) or {})}
        return super().request(method, path, headers=headers, **kwargs)

    @property
    def api_root(self) -> str:
        return f"{self.base_url}/v2.0/{self.tenant}/{self.environment}/api/v2.0"

    def company_url(self, path: str) -> str:
        return f"{self.api_root}/companies({self.company_id})/{path}"

    def get(self, path: str, **params):
        """A read in the company (retried on deadlocks, which BC answers as errors, not 5xx)."""
        for attempt in range(1, DEADLOCK_READ_RETRIES + 1):
            try:
                return self.request("GET", self.company_url(path), params=params or None)
            except SyncError as exc:
                if exc.code != "upstream_unavailable" or attempt == DEADLOCK_READ_RETRIES:
                    raise
                self._wait(attempt, None, "deadlock")
        raise AssertionError("unreachable")

    def get_or_none(self, path: str, **params):
        try:
            return self.get(path, **params)
        except SyncError as exc:
            if exc.code == "not_found":
                return None
            raise

    def list_all(self, path: str, **params) -> list[dict]:
        """Every entity of a list, following `@odata.nextLink` pages of `page_size`."""
        prefer = {"Prefer": f"odata.maxpagesize={self.page_size}"}
        url, items = self.company_url(path), []
        query = params or None
        while url:
            body = self.request("GET", url, params=query, headers=prefer)
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise SyncError("bad_response", f"Business Central answered the {path} list without a `value` list.")
            items.extend(body["value"])
            url, query = body.get("@odata.nextLink"), None
        return items

    def find(self, path: str, odata_filter: str, **params) -> list[dict]:
        return self.list_all(path, **{"$filter": odata_filter, **params})

    def list_environments(self) -> list[dict]:
        """The tenant's environments (`{api}/environments/v1.2`, §1.1), for choosing one after sign-in."""
        body = self.request("GET", f"{self.base_url}/environments/v1.2")
        return list((body or {}).get("value") or [])

    def list_companies(self) -> list[dict]:
        body = self.request("GET", f"{self.api_root}/companies")
        return list((body or {}).get("value") or [])

    def post(self, path: str, payload: dict | None = None):
        return self.request("POST", self.company_url(path), json=payload if payload is not None else None,
                            headers={"Content-Type": "application/json"} if payload is not None else None)

    def action(self, path: str) -> None:
        """A bound action (`…/Microsoft.NAV.post`): 204 without a body."""
        self.request("POST", self.company_url(path))

    def patch(self, path: str, changes: dict, etag: str):
        return self.request("PATCH", self.company_url(path), json=changes,
                            headers={"Content-Type": "application/json", "If-Match": etag}, idempotent=True)

    def delete(self, path: str, etag: str) -> None:
        self.request("DELETE", self.company_url(path), headers={"If-Match": etag}, idempotent=True)

    def patch_fresh(self, path: str, changes: dict, etag: str | None = None) -> dict:
        """PATCH with the record's etag; when someone changed it in between (409), read it again and
        re-apply the change. A PATCH is partial, so re-applying it is safe."""
        for attempt in range(1, ENTITY_CHANGED_RETRIES + 1):
            if etag is None:
                etag = self.get(path)["@odata.etag"]
            try:
                return self.patch(path, changes, etag)
            except SyncError as exc:
                if exc.code != "entity_changed" or attempt == ENTITY_CHANGED_RETRIES:
                    raise
                logger.info("Business Central: %s changed meanwhile, re-reading (attempt %d)", path, attempt)
                etag = None
        raise AssertionError("unreachable")
