"""One error body everywhere: `{"error": {"code", "message", "fields"}}`.

`code` is stable and machine-readable, `message` says what to do next, `fields` maps each field
(dotted for nested ones: `ids.3`) to what is wrong with it. Validation, not-found, auth, throttling,
precondition and conflict answers all take this shape, so a client parses one thing.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.serializers import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

MESSAGES = {
    "invalid": "Some fields are not right: see `fields`, correct them and send the request again.",
    "not_found": "Nothing with this id is visible to you: check the id, and that the shop is one you look after.",
}


class ApiError(exceptions.APIException):
    """An answer with a stable code and a message for people; `fields` points at the inputs."""

    def __init__(self, status_code: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message, code)
        self.status_code, self.code, self.message, self.fields = status_code, code, message, fields or {}


def conflict(message: str, code: str = "conflict") -> ApiError:
    return ApiError(status.HTTP_409_CONFLICT, code, message)


def refused(message: str, code: str = "refused", fields: dict | None = None) -> ApiError:
    """A well-formed request the domain refuses (e.g. go live with a flow unmapped): 400, what to fix."""
    return ApiError(status.HTTP_400_BAD_REQUEST, code, message, fields)


def not_found(message: str = MESSAGES["not_found"]) -> ApiError:
    return ApiError(status.HTTP_404_NOT_FOUND, "not_found", message)


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as `{"field.sub.0": ["message", ...]}`."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "" if key == "non_field_errors" and not prefix else f"{prefix}{key}"
            out.update(flatten(value, f"{name}." if name else ""))
        return out
    if isinstance(detail, list) and detail and all(not isinstance(item, (dict, list)) for item in detail):
        return {prefix.rstrip(".") or "non_field_errors": [str(item) for item in detail]}
    if isinstance(detail, list):
        out = {}
        for index, value in enumerate(detail):
            if value:
                out.update(flatten(value, f"{prefix}{index}."))
        return out
    return {prefix.rstrip(".") or "non_field_errors": [str(detail)]}


def body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = not_found()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handler logs it
    if isinstance(exc, ApiError):
        response.data = body(exc.code, exc.message, exc.fields)
    elif isinstance(exc, ValidationError):
        fields = flatten(exc.detail)
        general = fields.pop("non_field_errors", None)
        message = " ".join(general) if general and not fields else MESSAGES["invalid"]
        if general and fields:
            fields["non_field_errors"] = general
        response.data = body("invalid", message, fields)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        message = str(exc.detail)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            message = f"Too many requests with this key: wait {int(exc.wait + 0.999)} s (Retry-After) and send again."
        elif isinstance(exc, exceptions.NotAuthenticated):
            message = "Send your API key as 'Authorization: Bearer <key>'."
        response.data = body(code, message)
    return response


def no_such_endpoint(request):
    """An address under /api/v1/ that names no endpoint (or an id that is no id, such as `null`)."""
    return JsonResponse(body("not_found", f"No endpoint answers {request.path}: see /api/v1/docs/ for the API's "
                                          "addresses, and check the ids in the path."), status=404)


ERROR_EXAMPLE = body("invalid", MESSAGES["invalid"],
                     {"ids.1": ["Ensure this value is less than or equal to 9223372036854775807."]})
