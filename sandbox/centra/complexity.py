"""The query-cost heuristic reported in `extensions.complexity` and charged to QUERY_COMPLEXITY.

[I] Centra's real formula is not public (centra.md §2.6). Ours: every selected field costs 1,
and a list field multiplies the cost of its selection by its `limit`/`first`/`last` argument
(or the store's `list_complexity_default` when it has none) — so nested lists get expensive,
as Centra warns they are.
"""

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    VariableNode,
    get_named_type,
    is_list_type,
)

PAGE_ARGUMENTS = ("limit", "first", "last")


def _is_list(field_type) -> bool:
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return is_list_type(field_type) or isinstance(field_type, GraphQLList)


def _page_size(node: FieldNode, variables: dict, default: int) -> int:
    for argument in node.arguments or ():
        if argument.name.value in PAGE_ARGUMENTS:
            value = argument.value
            raw = variables.get(value.name.value) if isinstance(value, VariableNode) else getattr(value, "value", None)
            if raw is not None:
                return max(1, int(raw))
    return default


def _selection_cost(selection_set, parent_type, ctx) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(selection, parent_type, ctx)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            fragment_type = ctx["schema"].get_type(condition.name.value) if condition else parent_type
            total += _selection_cost(selection.selection_set, fragment_type, ctx)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = ctx["fragments"].get(selection.name.value)
            if fragment is not None:
                fragment_type = ctx["schema"].get_type(fragment.type_condition.name.value)
                total += _selection_cost(fragment.selection_set, fragment_type, ctx)
    return total


def _field_cost(node: FieldNode, parent_type, ctx) -> int:
    fields = getattr(parent_type, "fields", None) or {}
    definition = fields.get(node.name.value)
    if definition is None:  # __typename and other meta fields
        return 1
    children = _selection_cost(node.selection_set, get_named_type(definition.type), ctx)
    if _is_list(definition.type):
        children *= _page_size(node, ctx["variables"], ctx["default"])
    return 1 + children


def complexity(schema: GraphQLSchema, document, operation: OperationDefinitionNode, variables: dict | None,
               list_default: int) -> int:
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    ctx = {
        "schema": schema, "variables": variables or {}, "default": list_default,
        "fragments": {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"},
    }
    return _selection_cost(operation.selection_set, root, ctx)
