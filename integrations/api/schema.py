"""The OpenAPI schema says what every operation answers when it refuses: the one error body, with
the statuses the API really uses (throttling, idempotency conflicts, If-Match preconditions)."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string", "description": "Stable, machine-readable: invalid, not_found, "
                                                      "unknown_parameter, throttled, ..."},
            "message": {"type": "string", "description": "What happened and what to do next."},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": "Per field (dotted for nested ones: ids.3), what is wrong with it."},
        },
    }},
    "example": {"error": {"code": "unknown_parameter",
                          "message": "Unknown query parameter(s): source_ref. This endpoint takes: cursor, search, ...",
                          "fields": {"source_ref": ["Not a parameter of this endpoint."]}}},
}

COMMON = {
    "400": "Invalid input, an unknown query parameter, or an action the domain refuses (the message says why).",
    "401": "No API key, or one unknown, revoked or expired.",
    "403": "A read-only key tried to change something.",
    "404": "Nothing with this id is visible to you (unknown and other partners' ids answer alike).",
    "429": "Over the key's rate: wait Retry-After seconds.",
}
WRITES = {
    "409": "Conflict: a slug or name taken, or an Idempotency-Key reused with another body.",
}
SETTINGS = {
    "412": "The settings changed since your GET: read again and redo the change.",
    "428": "Send If-Match with the ETag of your GET.",
}
ROWS = ("/mappings/{id}/", "/value-maps/{id}/", "/oss-accounts/{id}/")  # rows changed against their ETag too


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    retry_after = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = dict(COMMON)
            if method in ("post", "patch", "put", "delete"):
                statuses |= WRITES
            if (method == "patch" and any(part in path for part in ("/flows/", "/bookkeeping/"))) or (
                    method in ("patch", "delete") and any(part in path for part in ROWS)):
                statuses |= SETTINGS
            if method == "post":
                operation.setdefault("parameters", []).append({
                    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string",
                                                                                             "maxLength": 255},
                    "description": "Same key and body again: the first answer again (header Idempotent-Replayed), "
                                   "nothing done twice. Same key, other body: 409. Keys are the caller's own (an "
                                   "API key's, or a person's) and kept for a day."})
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(status, {"description": description, "content": ref})
            responses["429"]["headers"] = retry_after
    return result


# The largest value each database can store in a positive integer column: what Django's model fields
# publish as `maximum` depends on the backend (SQLite 2**63-1; PostgreSQL 2**31-1 or 2**15-1).
DATABASE_MAXIMA = {2**63 - 1, 2**31 - 1, 2**15 - 1}


def portable_integer_bounds(result, generator, request, public):
    """drf-spectacular postprocessing hook: the schema is the same on every supported database.

    A model's positive integer field publishes `minimum: 0` and its column's maximum, which differs
    by backend; that maximum is dropped (the API's validators still enforce the column's range with a
    400). Bounds the API declares itself (ids: 1 to 2**63-1) have a minimum of 1 and are kept.
    """
    def walk(node):
        if isinstance(node, dict):
            if (node.get("type", "integer") == "integer" and node.get("minimum") == 0  # (an enum's has no type)
                    and node.get("maximum") in DATABASE_MAXIMA):
                node.pop("maximum")
                if node.get("format") == "int64":
                    node.pop("format")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
