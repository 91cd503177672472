"""The fault knobs over HTTP, for chaos runs in other processes and for curl."""

import json

from django.forms.models import model_to_dict
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import faults
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
