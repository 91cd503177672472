"""What every /3/ view shares: fault injection, bearer auth, the rate limit, JSON-only content
negotiation, scopes, and turning `FortnoxError`s into Fortnox's envelopes. Views get a `Call` with
the tenant and helpers."""

import functools
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import count_429, inject_faults, too_many_requests

from . import errors, listing, oauth
from .errors import FortnoxError
from .models import Tenant
from .ratelimit import limiter
from .validation import parse_body, to_json

SYSTEM = "fortnox"


@dataclass
class Call:
    request: HttpRequest
    tenant: Tenant

    @property
    def base(self) -> str:
        """Absolute URL of this sandbox's `/3/`, for the records' `@url`."""
        path = self.request.path
        return self.request.build_absolute_uri(path[: path.index("/3/") + 3])

    @property
    def params(self):
        return self.request.GET

    def body(self, wrapper: str) -> dict:
        return parse_body(self.request.body, wrapper)

    def record(self, wrapper: str, record: dict, status: int = 200, location: str | None = None) -> JsonResponse:
        response = JsonResponse({wrapper: to_json(record)}, status=status)
        if location:
            response["Location"] = location
        return response

    def created(self, wrapper: str, record: dict, location: str) -> JsonResponse:
        """201 with `Location: <plural>`, literally as Fortnox sends it."""
        return self.record(wrapper, record, status=201, location=location)

    def page(self, key: str, queryset, render) -> JsonResponse:
        items, meta = listing.paginate(queryset, self.params)
        return JsonResponse({"MetaInformation": meta, key: [to_json(render(item, self.base)) for item in items]})

    @staticmethod
    def deleted() -> HttpResponse:
        return HttpResponse(status=204)


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def check_content_types(request: HttpRequest) -> None:
    """JSON in, JSON out (fortnox.md §1.3): an `Accept` that rules JSON out is 1000030, a POST/PUT
    body not declared `application/json` (form-encoded, text, no Content-Type) is 1000031.

    SIMULATED: the status (400) of both codes was not recorded, and the real API would answer an
    XML Accept in XML, which this sandbox does not speak, so it refuses it like any other type."""
    accept = request.headers.get("Accept", "").strip()
    if accept and not any(_media_type(part) in ("*/*", "application/*", "application/json")
                          for part in accept.split(",")):
        raise FortnoxError(errors.INVALID_RESPONSE_TYPE, "Invalid response type")
    if (request.method in ("POST", "PUT") and request.body
            and _media_type(request.headers.get("Content-Type", "")) != "application/json"):
        raise FortnoxError(errors.INVALID_CONTENT_TYPE, "Invalid content type")


def _scope_missing(scope: str) -> JsonResponse:
    # SIMULATED: status 403 and this envelope were not recorded for code 2000663.
    return FortnoxError(errors.NO_SCOPE, "Du saknar behörighet för scope " + scope, status=403).response()


def api_view(scope: str, methods: tuple[str, ...]):
    """Decorate `view(call, *args)`; see the module docstring for what runs before it."""

    def decorator(view):
        @functools.wraps(view)
        def authenticated(request, *args, **kwargs):
            token = oauth.authenticate_bearer(request.headers.get("Authorization", ""))
            if token is None:
                return errors.unauthorized()
            tenant = token.tenant
            key = (token.app_id, tenant.pk)
            if not limiter.allow(key, tenant.rate_limit_requests, tenant.rate_limit_window_seconds,
                                 getattr(request, "arrived_at", None)):
                count_429(SYSTEM)
                return too_many_requests(SYSTEM)
            if request.method not in methods:
                return errors.method_not_allowed(methods)
            if tenant.enforce_scopes and scope not in token.scope.split():
                return _scope_missing(scope)
            try:
                check_content_types(request)
                return view(Call(request, tenant), *args, **kwargs)
            except FortnoxError as error:
                return error.response()

        return csrf_exempt(inject_faults(SYSTEM)(authenticated))

    return decorator
