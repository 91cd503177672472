"""OAuth2 as Fortnox runs it (fortnox.md §1.1-1.2): codes live 10 minutes and work once, refresh
tokens rotate (the used one dies), access tokens are JWT-like and expire after the tenant's ttl;
tokens can be revoked one by one, and a withdrawn consent kills every token of its grant.

Only hashes of codes and tokens are stored; single use is an atomic conditional UPDATE, so two
racing refreshes with the same token cannot both win.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone

from .models import AccessToken, AuthorizationCode, Consent, FortnoxApp, RefreshToken, Tenant

DEFAULT_SCOPE = "article bookkeeping companyinformation currency customer invoice price settings"
CODE_TTL = dt.timedelta(minutes=10)


class OAuthError(Exception):
    """An RFC 6749 error answer: `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JsonResponse:
        response = JsonResponse({"error": self.error, "error_description": self.description}, status=self.status)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


def invalid_client() -> OAuthError:
    return OAuthError("invalid_client", "The client credentials are invalid", status=401)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def authenticate_client(authorization: str) -> FortnoxApp:
    """The app named by an HTTP Basic header whose secret matches, else 401 invalid_client."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise invalid_client()
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise invalid_client() from exc
    app = FortnoxApp.objects.filter(client_id=client_id).first()
    if app is None or not hmac.compare_digest(app.client_secret.encode(), secret.encode()):
        raise invalid_client()
    return app


def _access_token(app: FortnoxApp, tenant: Tenant, scope: str, expires_at: dt.datetime) -> str:
    """JWT-shaped like Fortnox's, with the `tenantId` claim clients read (signed with the secret)."""
    now = timezone.now()
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({
        "iss": "sandbox-fortnox", "tenantId": tenant.database_number, "clientId": app.client_id,
        "scope": scope, "iat": int(now.timestamp()), "exp": int(expires_at.timestamp()),
        "jti": secrets.token_hex(16),
    }).encode())
    signature = hmac.new(app.client_secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def issue(app: FortnoxApp, tenant: Tenant, scope: str, *, with_refresh_token: bool = True) -> dict:
    """The token answer. Client-credentials answers carry no refresh token (SIMULATED shape)."""
    now = timezone.now()
    expires_at = now + dt.timedelta(seconds=tenant.access_token_ttl)
    access_token = _access_token(app, tenant, scope, expires_at)
    AccessToken.objects.create(
        token_hash=hash_token(access_token), app=app, tenant=tenant, scope=scope, expires_at=expires_at
    )
    answer = {"access_token": access_token}
    if with_refresh_token:
        refresh_token = str(uuid.uuid4())
        RefreshToken.objects.create(
            token_hash=hash_token(refresh_token), app=app, tenant=tenant, scope=scope,
            expires_at=now + dt.timedelta(seconds=tenant.refresh_token_ttl),
        )
        answer["refresh_token"] = refresh_token
    answer.update({"scope": scope, "expires_in": tenant.access_token_ttl, "token_type": "bearer"})
    return answer


def grant_consent(app: FortnoxApp, tenant: Tenant, scope: str, *, service_account: bool = False) -> None:
    Consent.objects.update_or_create(
        app=app, tenant=tenant, defaults={"scope": scope, "service_account": service_account}
    )


@transaction.atomic
def withdraw_consent(app: FortnoxApp, tenant: Tenant) -> bool:
    """The customer removes the app's integration in Fortnox: its access tokens answer 401 from now
    on, its refresh tokens and unused codes are `invalid_grant`, and client_credentials has no
    consent left. Only a new consent (the authorization-code flow, or `grant_consent`) gives new
    tokens. Returns whether there was a consent to withdraw.

    SIMULATED: Fortnox does not document what a withdrawal does to live tokens; this is the
    strict reading (everything of the grant dies at once)."""
    now = timezone.now()
    withdrawn, _ = Consent.objects.filter(app=app, tenant=tenant).delete()  # first: refreshes wait on it
    AccessToken.objects.filter(app=app, tenant=tenant).delete()
    RefreshToken.objects.filter(app=app, tenant=tenant, used_at__isnull=True).update(used_at=now)
    AuthorizationCode.objects.filter(app=app, tenant=tenant, used_at__isnull=True).update(used_at=now)
    return bool(withdrawn)


def revoke(app: FortnoxApp, token: str) -> None:
    """/oauth-v1/revoke: the refresh or access token `token` of `app` stops working. An unknown or
    foreign token changes nothing and is not an error (Fortnox answers `revoked: true` regardless,
    fortnox.md §1.1). SIMULATED: revoking one token leaves the rest of the grant alive."""
    token_hash = hash_token(token)
    RefreshToken.objects.filter(token_hash=token_hash, app=app, used_at__isnull=True).update(used_at=timezone.now())
    AccessToken.objects.filter(token_hash=token_hash, app=app).delete()


def create_authorization_code(app: FortnoxApp, tenant: Tenant, scope: str, redirect_uri: str) -> str:
    code = secrets.token_urlsafe(24)
    AuthorizationCode.objects.create(
        code_hash=hash_token(code), app=app, tenant=tenant, scope=scope, redirect_uri=redirect_uri,
        expires_at=timezone.now() + CODE_TTL,
    )
    return code


@transaction.atomic
def exchange_code(app: FortnoxApp, code: str, redirect_uri: str) -> dict:
    now = timezone.now()
    used = AuthorizationCode.objects.filter(
        code_hash=hash_token(code), app=app, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    grant = AuthorizationCode.objects.filter(code_hash=hash_token(code)).first()
    # SIMULATED description: Fortnox's text for a bad code was not recorded.
    if not used or (grant.redirect_uri and redirect_uri and redirect_uri != grant.redirect_uri):
        raise OAuthError("invalid_grant", "Invalid authorization code")
    return issue(app, grant.tenant, grant.scope)


@transaction.atomic
def refresh(app: FortnoxApp, refresh_token: str) -> dict:
    now = timezone.now()
    token_hash = hash_token(refresh_token)
    used = RefreshToken.objects.filter(
        token_hash=token_hash, app=app, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not used:
        raise OAuthError("invalid_grant", "Invalid refresh token")
    old = RefreshToken.objects.select_related("tenant").get(token_hash=token_hash)
    # Locking the consent serializes this with a withdrawal, which then also kills what we issue.
    if _locked_consent(app, old.tenant) is None:
        raise OAuthError("invalid_grant", "Invalid refresh token")
    return issue(app, old.tenant, old.scope)


def _locked_consent(app: FortnoxApp, tenant: Tenant, **filters) -> Consent | None:
    return Consent.objects.select_for_update().filter(app=app, tenant=tenant, **filters).first()


@transaction.atomic
def client_credentials(app: FortnoxApp, tenant_id: str, scope: str) -> dict:
    """Service-account tokens: the tenant must have given this app a service consent."""
    tenant = Tenant.objects.filter(database_number=int(tenant_id)).first() if tenant_id.isdigit() else None
    consent = _locked_consent(app, tenant, service_account=True) if tenant else None
    if consent is None:
        # SIMULATED description: the real text for a missing service consent is unknown.
        raise OAuthError("invalid_grant", "No service account consent for this tenant")
    granted = set(consent.scope.split())
    wanted = scope.split() or sorted(granted)
    if not set(wanted) <= granted:
        raise OAuthError("invalid_scope", "The requested scope is not granted")
    return issue(app, tenant, " ".join(wanted), with_refresh_token=False)


def authenticate_bearer(authorization: str) -> AccessToken | None:
    """The live access token of an `Authorization: Bearer …` header, or None (→ 401)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return (
        AccessToken.objects.select_related("tenant", "app")
        .filter(token_hash=hash_token(token.strip()), expires_at__gt=timezone.now())
        .first()
    )
