"""POST /sandbox/centra/<slug>/graphql — the simulated Integration API endpoint.

Thin on purpose: JSON in, token check, rate limits, then graphql-core executes the SDL schema.
"""

import json

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from graphql import GraphQLError, OperationType, get_operation_ast, graphql_sync, parse

from sandbox import faults

from . import ratelimit
from .auth import Context, authenticate
from .complexity import complexity
from .models import Store
from .resolvers.common import default_resolver
from .schema import get_schema


def _error(status: int, message: str, category: str) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message, "extensions": {"category": category}}]}, status=status)


def _request_body(request) -> dict | None:
    """The decoded GraphQL request, cached on the request; None when malformed."""
    if not hasattr(request, "_centra_body"):
        try:
            body = json.loads(request.body or b"")
        except ValueError:
            body = None
        valid = isinstance(body, dict) and isinstance(body.get("query"), str)
        valid = valid and isinstance(body.get("variables") or {}, dict)
        request._centra_body = body if valid else None
    return request._centra_body


def _operation(body: dict):
    """The operation the request runs, or None when the query does not parse."""
    try:
        document = parse(body["query"])
    except GraphQLError:
        return None, None
    return document, get_operation_ast(document, body.get("operationName"))


def is_mutation_request(request) -> bool:
    """Whether the fault injector should treat this request as a write."""
    body = _request_body(request)
    if body is None:
        return False
    _document, operation = _operation(body)
    return operation is not None and operation.operation == OperationType.MUTATION


@csrf_exempt
@require_POST
@faults.inject_faults("centra", is_write=is_mutation_request)
def graphql_endpoint(request, slug: str):
    body = _request_body(request)
    if body is None:
        return _error(400, "Malformed request: expected a JSON object with a `query` string", "request")
    principal = authenticate(request, slug)
    if principal is None:
        if not Store.objects.filter(slug=slug).exists():
            return _error(404, f"No Centra store {slug!r} in the sandbox", "request")
        return _error(401, "Invalid, expired or missing API token", "authentication")
    store = principal.store
    schema = get_schema()
    document, operation = _operation(body)
    cost, mutations = 0, 0
    if operation is not None:
        cost = complexity(schema, document, operation, body.get("variables"), store.list_complexity_default)
        if operation.operation == OperationType.MUTATION:
            mutations = len(operation.selection_set.selections)
    now = ratelimit.clock()
    resume_at = ratelimit.consume(store, complexity=cost, mutations=mutations, now=now)
    if resume_at is not None:
        faults.count_429("centra")
        refused = faults.too_many_requests("centra")
        refused["Retry-After"] = ratelimit.retry_after(store, resume_at, now)
        return refused
    context = Context(principal)
    with timezone.override(store.timezone):
        result = graphql_sync(
            schema, body["query"], context_value=context, variable_values=body.get("variables"),
            operation_name=body.get("operationName"), field_resolver=default_resolver,
        )
    payload = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    payload["extensions"] = {
        "complexity": cost, "permissionsUsed": context.permissions_used, "appVersion": store.app_version,
    }
    return JsonResponse(payload)
