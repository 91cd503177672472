"""/oauth-v1/auth, /oauth-v1/token and /oauth-v1/revoke. There is no login in the sandbox: the
consent screen asks which company to "log in" as (or takes the extra `tenant` query parameter,
name or database number, and approves at once, as tests do); "Deny" answers `access_denied`."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from sandbox.faults import inject_faults

from . import errors, oauth
from .models import FortnoxApp, Tenant
from .oauth import OAuthError


def find_tenant(key: str) -> Tenant | None:
    """A sandbox tenant by name or by database number."""
    if not key:
        return None
    by_name = Tenant.objects.filter(name=key).first()
    if by_name is not None or not key.isdigit():
        return by_name
    return Tenant.objects.filter(database_number=int(key)).first()


def _redirect(redirect_uri: str, **params) -> HttpResponseRedirect:
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(params)}")


@require_GET
def authorize(request):
    """Errors about the client or redirect URI are answered here (never redirect to an
    unverified URI); the rest go back to the app as `error=…&state=…`, as OAuth2 prescribes."""
    params = request.GET
    app = FortnoxApp.objects.filter(client_id=params.get("client_id", "")).first()
    if app is None:
        return OAuthError("invalid_client", "Unknown client_id").response()
    redirect_uri = params.get("redirect_uri") or app.redirect_uri
    if not redirect_uri or (app.redirect_uri and redirect_uri != app.redirect_uri):
        return OAuthError("invalid_request", "redirect_uri does not match the registered one").response()
    state = params.get("state", "")
    if params.get("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=state)
    if not state:
        return _redirect(redirect_uri, error="invalid_request", error_description="state is required")
    scope = " ".join(params.get("scope", "").split())
    if not scope:
        return _redirect(redirect_uri, error="invalid_scope", state=state)
    if params.get("deny"):
        return _redirect(redirect_uri, error="access_denied", state=state,
                         error_description="The user denied the request")
    if not params.get("tenant"):  # the login and consent screen
        kept = [(name, value) for name, value in params.items() if name not in ("tenant", "deny")]
        return render(request, "sandbox/fortnox/consent.html",
                      {"app": app, "scope": scope, "params": kept, "tenants": Tenant.objects.order_by("name")})
    tenant = find_tenant(params["tenant"])
    if tenant is None:
        return _redirect(redirect_uri, error="access_denied", state=state,
                         error_description=f"Sandbox: no company {params['tenant']!r}")
    oauth.grant_consent(app, tenant, scope, service_account=params.get("account_type") == "service")
    code = oauth.create_authorization_code(app, tenant, scope, params.get("redirect_uri", ""))
    return _redirect(redirect_uri, code=code, state=state)


def _required(form, name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise OAuthError("invalid_request", f"Missing parameter: {name}")
    return value


@csrf_exempt
@inject_faults("fortnox")
def token(request):
    if request.method != "POST":
        return errors.method_not_allowed(("POST",))
    form = request.POST
    try:
        app = oauth.authenticate_client(request.headers.get("Authorization", ""))
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            answer = oauth.exchange_code(app, _required(form, "code"), form.get("redirect_uri", ""))
        elif grant_type == "refresh_token":
            answer = oauth.refresh(app, _required(form, "refresh_token"))
        elif grant_type == "client_credentials":
            tenant_id = request.headers.get("TenantId", "")
            if not tenant_id:
                raise OAuthError("invalid_request", "Missing header: TenantId")
            answer = oauth.client_credentials(app, tenant_id, form.get("scope", ""))
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type: {grant_type}")
    except OAuthError as error:
        return error.response()
    response = JsonResponse(answer)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@csrf_exempt
@inject_faults("fortnox")
def revoke(request):
    """RFC 7009 revocation as the SDKs call it: Basic client auth, form `token` (and an optional
    `token_type_hint`, ignored: both kinds are looked up). Always `{"revoked": true}`, even for a
    made-up token, as Fortnox does (fortnox.md §1.1)."""
    if request.method != "POST":
        return errors.method_not_allowed(("POST",))
    try:
        app = oauth.authenticate_client(request.headers.get("Authorization", ""))
        oauth.revoke(app, _required(request.POST, "token"))
    except OAuthError as error:
        return error.response()
    return JsonResponse({"revoked": True})
