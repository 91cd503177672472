"""Business Central's error envelope (business-central.md §3): `{"error": {"code", "message"}}`,
the message ending in "  CorrelationId:  <guid>." as real answers do."""

import uuid

from django.http import JsonResponse


class BCError(Exception):
    """A refusal that becomes an error envelope; raised anywhere below the views."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}

    def response(self) -> JsonResponse:
        return envelope(self.status, self.code, self.message, self.headers)


def envelope(status: int, code: str, message: str, headers: dict | None = None) -> JsonResponse:
    body = {"error": {"code": code, "message": f"{message}  CorrelationId:  {uuid.uuid4()}."}}
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def dialog(message: str) -> BCError:
    """A business rule refused (§3.3: Application_DialogException, 400)."""
    return BCError(400, "Application_DialogException", message)


def not_found(segment: str) -> BCError:
    return BCError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{segment}'.")


def record_not_found(table: str, field: str, value) -> BCError:
    return BCError(400, "Internal_RecordNotFound",
                   f"The {table} does not exist. Identification fields and values: {field}='{value}'")


def too_long(value: str, limit: int) -> BCError:
    return BCError(400, "Application_StringExceededLength",
                   f"The length of the string is {len(value)}, but it must be less than or equal to {limit} "
                   f"characters. Value: {value}")
