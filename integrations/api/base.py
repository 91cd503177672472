"""What every partner API view shares: strict query parameters (an unknown one is a 400, never
silently ignored), Idempotency-Key on POSTs, ETag/If-Match on settings, and lookups inside the
caller's organizations (a foreign id is an unknown id: 404)."""

import hashlib
import json

from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.response import Response

from ..models import IdempotentRequest
from .errors import ApiError, body, conflict, refused
from .permissions import api_key_of, visible_integrations

IDEMPOTENCY_HEADER = "Idempotency-Key"
ALWAYS_ALLOWED = {"format"}
LIST_PARAMS = {"cursor", "page_size"}
# Ids in paths: at most 18 digits, always within the database's bigint range; longer is no URL (404).
ID_PATTERN = r"[0-9]{1,18}"


class _Replay(Exception):
    def __init__(self, response: Response):
        self.response = response


# Mixed into every view of the partner API, before DRF's view classes. (A comment, not a docstring:
# the OpenAPI schema would show it as the description of every view that has none of its own.)
class PartnerApiView:

    query_params_allowed: set[str] = set()
    list_actions = {"list"}

    # --- query parameters -------------------------------------------------------------------------
    def allowed_query_params(self) -> set[str]:
        allowed = ALWAYS_ALLOWED | set(self.query_params_allowed)
        if getattr(self, "action", None) in self.list_actions:
            allowed |= LIST_PARAMS
        if getattr(self, "action", None) == "list":
            filterset_class = getattr(self, "filterset_class", None)
            allowed |= set(filterset_class.base_filters) if filterset_class else set(
                getattr(self, "filterset_fields", None) or ())
        return allowed

    def check_query_params(self, request) -> None:
        unknown = sorted(set(request.query_params) - self.allowed_query_params())
        if unknown:
            allowed = ", ".join(sorted(self.allowed_query_params() - ALWAYS_ALLOWED)) or "none"
            raise refused(f"Unknown query parameter(s): {', '.join(unknown)}. This endpoint takes: {allowed}.",
                          "unknown_parameter", {name: ["Not a parameter of this endpoint."] for name in unknown})

    # --- idempotency ----------------------------------------------------------------------------
    def idempotency(self, request):
        """Honour Idempotency-Key on every POST, whoever calls: a key belongs to the API key that sent
        it, or to the person (token or session) who sent it without one, so callers never collide."""
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method != "POST" or not key:
            return None
        if len(key) > 255:
            raise refused("An Idempotency-Key is at most 255 characters.", "invalid",
                          {IDEMPOTENCY_HEADER: ["At most 255 characters."]})
        api_key = api_key_of(request)
        if api_key is None and not request.user.is_authenticated:
            return None  # refused before any view runs (401): nothing to remember
        caller = {"api_key": api_key} if api_key is not None else {"api_key": None, "user": request.user}
        fingerprint = hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(),
                                                 request._request.body])).hexdigest()
        earlier = IdempotentRequest.objects.filter(key=key, **caller).first()
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise conflict("This Idempotency-Key was used with another request: use a new key for a new request.",
                               "idempotency_key_reused")
            raise _Replay(Response(earlier.body, status=earlier.status_code, headers={"Idempotent-Replayed": "true"}))
        return caller, key, fingerprint

    # --- DRF hooks ------------------------------------------------------------------------------
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling first
        self.check_query_params(request)
        self._idempotent = self.idempotency(request)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        idempotent = getattr(self, "_idempotent", None)
        if idempotent and response.status_code < 500 and response.status_code != 429:
            caller, key, fingerprint = idempotent
            # get_or_create: when the same key's twin finished first, its answer stands
            IdempotentRequest.objects.get_or_create(key=key, **caller, defaults={
                "fingerprint": fingerprint, "status_code": response.status_code, "body": response.data})
        return super().finalize_response(request, response, *args, **kwargs)

    # --- lookups --------------------------------------------------------------------------------
    def integration(self):
        """The integration in the URL (`integration_slug`), if the caller may see it; else 404."""
        if not hasattr(self, "_integration"):
            self._integration = get_object_or_404(
                visible_integrations(self.request).select_related("organization", "source", "target"),
                slug=self.kwargs["integration_slug"])
        return self._integration


def etag_of(data) -> str:
    return '"' + hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32] + '"'


def check_if_match(request, current) -> None:
    """Settings change only against the version the editor read: If-Match with the ETag of a GET.
    Missing: 428; stale: 412 (someone else saved in between; read again and redo the change)."""
    sent = request.headers.get("If-Match")
    if not sent:
        raise ApiError(status.HTTP_428_PRECONDITION_REQUIRED, "precondition_required",
                       "Send If-Match with the ETag of your last GET of these settings, so no one's change is lost.")
    if sent.strip() != "*" and etag_of(current) not in [tag.strip() for tag in sent.split(",")]:
        raise ApiError(status.HTTP_412_PRECONDITION_FAILED, "precondition_failed",
                       "These settings changed since you read them: GET them again, redo your change, and send it "
                       "with the new ETag.")


def with_etag(data, status_code: int = 200) -> Response:
    return Response(data, status=status_code, headers={"ETag": etag_of(data)})


__all__ = ["PartnerApiView", "body", "check_if_match", "etag_of", "with_etag"]
