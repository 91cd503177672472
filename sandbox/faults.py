"""Fault injection for the simulators: latency, 429s, 5xx, timeouts and lost responses.

A simulator view is wrapped with `inject_faults(system, is_write=...)`. Faults that refuse a
request (429, 5xx, timeout) happen before the view runs, so nothing is written. A *lost
response* happens after the view ran and committed: the caller gets a 504 with no body, exactly
as if a proxy timed out after the write, and cannot tell whether the write happened.
"""

import functools
import random
import time

from django.db.models import F
from django.http import HttpResponse, JsonResponse

from .models import FaultProfile

_random = random.SystemRandom()


def profile_for(system: str) -> FaultProfile | None:
    return FaultProfile.objects.filter(system=system).first()


def set_faults(system: str, **knobs) -> FaultProfile:
    """Create or update the fault profile of a simulator (used by tests, chaos and the API)."""
    profile, _ = FaultProfile.objects.update_or_create(system=system, defaults=knobs)
    return profile


def clear_faults(system: str | None = None) -> None:
    qs = FaultProfile.objects.all() if system is None else FaultProfile.objects.filter(system=system)
    qs.delete()


def count_429(system: str) -> None:
    FaultProfile.objects.filter(system=system).update(seen_429=F("seen_429") + 1)


def _take(profile: FaultProfile, counter: str, rate: float) -> bool:
    """Consume one deterministic `next_*` fault, else roll the dice for the rate."""
    if getattr(profile, counter) > 0:
        taken = FaultProfile.objects.filter(pk=profile.pk, **{f"{counter}__gt": 0}).update(
            **{counter: F(counter) - 1}
        )
        if taken:
            return True
    return rate > 0 and _random.random() < rate


def too_many_requests(system: str, retry_after: int = 1) -> HttpResponse:
    """A 429 as each system sends it. Fortnox's carries no `Retry-After` whatever `retry_after` says:
    none was ever seen from the real API (fortnox.md §2), so clients must back off on their own."""
    if system == FaultProfile.System.FORTNOX:
        # SIMULATED body: the real 429 body was never recorded; clients may only rely on the status.
        body = {"ErrorInformation": {"error": 1, "message": "Too many requests", "code": 0}}
        return JsonResponse(body, status=429)
    if system == FaultProfile.System.BUSINESS_CENTRAL:
        # SIMULATED body: BC's real 429 body and headers were never recorded (business-central.md §2).
        body = {"error": {"code": "Application_TooManyRequests", "message": "Too many requests (injected)."}}
        return JsonResponse(body, status=429)
    body = {"errors": [{"message": "Too many requests", "extensions": {"category": "rateLimit"}}]}
    response = JsonResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def inject_faults(system: str, is_write=lambda request: request.method in ("POST", "PUT", "DELETE")):
    """Decorate a simulator view with the fault knobs of `system`.

    `latency_ms` is the answer's time, spent after the view: the view (and its rate limit) sees
    the request when it arrives, as the real API counts it. Spent before, a loaded server's
    oversleeping shifted requests in its window and refused ones sent within the limit."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            profile = profile_for(system)
            if profile is None:
                return view(request, *args, **kwargs)
            response = faulty(profile, request, *args, **kwargs)
            if profile.latency_ms:
                time.sleep(profile.latency_ms / 1000)
            return response

        def faulty(profile, request, *args, **kwargs):
            if _take(profile, "next_429", profile.rate_429):
                count_429(system)
                return too_many_requests(system)
            if _take(profile, "next_5xx", profile.rate_5xx):
                return HttpResponse("Service Unavailable (injected)", status=503, content_type="text/html")
            if _take(profile, "next_timeout", profile.rate_timeout):
                time.sleep(profile.timeout_seconds)
                return HttpResponse("Gateway Timeout (injected)", status=504, content_type="text/html")
            response = view(request, *args, **kwargs)
            if (
                response.status_code < 400
                and is_write(request)
                and _take(profile, "next_lost_response", profile.rate_lost_response)
            ):
                return HttpResponse(b"", status=504)
            return response

        return wrapped

    return decorator
