"""The fault knobs over HTTP, for chaos runs in other processes and for curl."""

import json

from django.forms.models import model_to_dict
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import faults
from .fortnox import oauth as fortnox_oauth
from .fortnox.models import Consent, FortnoxApp, Tenant
from .fortnox.oauth_views import find_tenant
from .fortnox.ratelimit import limiter as fortnox_limiter
from .models import FaultProfile

KNOBS = {
    "latency_ms", "rate_429", "rate_5xx", "rate_timeout", "rate_lost_response", "timeout_seconds",
    "next_429", "next_5xx", "next_timeout", "next_lost_response",
}


@csrf_exempt
@require_http_methods(["GET", "PUT", "DELETE"])
def fault_profile(request, system):
    if system not in FaultProfile.System.values:
        return JsonResponse({"error": f"unknown system {system!r}"}, status=404)
    if request.method == "DELETE":
        faults.clear_faults(system)
        return JsonResponse({}, status=204)
    if request.method == "PUT":
        try:
            knobs = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"error": "body must be JSON"}, status=400)
        unknown = set(knobs) - KNOBS
        if unknown:
            return JsonResponse({"error": f"unknown knobs: {sorted(unknown)}"}, status=400)
        faults.set_faults(system, **knobs)
    profile = faults.profile_for(system)
    return JsonResponse(model_to_dict(profile, exclude=["id"]) if profile else {"system": system})


@require_http_methods(["GET", "DELETE"])
@csrf_exempt
def fortnox_rate_limit(request):
    """Per Fortnox tenant (database number), the most requests let in within one window of its
    limit since the last reset (DELETE), for benches in other processes and for curl."""
    if request.method == "DELETE":
        fortnox_limiter.reset()
        return JsonResponse({}, status=204)
    tenants = {tenant.pk: tenant for tenant in Tenant.objects.all()}
    peaks = {}
    for (_, tenant_pk), peak in fortnox_limiter.peaks().items():
        tenant = tenants.get(tenant_pk)
        if tenant is not None:
            entry = peaks.setdefault(str(tenant.database_number), {
                "limit": tenant.rate_limit_requests, "window_seconds": tenant.rate_limit_window_seconds, "peak": 0})
            entry["peak"] = max(entry["peak"], peak)
    return JsonResponse({"tenants": peaks})


def _consent_state(tenant, app) -> dict:
    consent = Consent.objects.filter(app=app, tenant=tenant).first()
    return {"tenant": tenant.name, "tenant_id": tenant.database_number, "client_id": app.client_id,
            "consented": consent is not None, "scope": consent.scope if consent else "",
            "service_account": consent.service_account if consent else False}


@csrf_exempt
@require_http_methods(["GET", "PUT", "DELETE"])
def fortnox_consent(request, tenant, client_id):
    """A Fortnox tenant's consent for an app (tenant by name or database number). DELETE withdraws
    it, as a customer removing the integration does: every token of the grant stops working.
    PUT grants it again: `{"scope": "...", "service_account": true}`, both optional."""
    found = find_tenant(tenant)
    app = FortnoxApp.objects.filter(client_id=client_id).first()
    if found is None or app is None:
        return JsonResponse({"error": f"unknown tenant {tenant!r} or client_id {client_id!r}"}, status=404)
    if request.method == "DELETE":
        fortnox_oauth.withdraw_consent(app, found)
    elif request.method == "PUT":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"error": "body must be JSON"}, status=400)
        if not isinstance(body, dict) or set(body) - {"scope", "service_account"}:
            return JsonResponse({"error": "body may only hold scope and service_account"}, status=400)
        scope = " ".join(str(body.get("scope") or fortnox_oauth.DEFAULT_SCOPE).split())
        fortnox_oauth.grant_consent(app, found, scope, service_account=bool(body.get("service_account", True)))
    return JsonResponse(_consent_state(found, app))
