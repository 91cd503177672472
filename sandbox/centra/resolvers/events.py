"""The events queue: `events`, `eventListeners` and the current state of each event's object."""

from graphql import GraphQLError

from ..models import Customer, Order, Product, ProductSize, ProductVariant, Return, Shipment
from ..services import events
from .orders import resolve_order_type
from .returns import resolve_return_type
from .shipments import resolve_shipment_type

OBJECT_MODELS = {
    "Order": Order, "Shipment": Shipment, "Return": Return, "Product": Product,
    "ProductVariant": ProductVariant, "ProductSize": ProductSize, "Customer": Customer,
}
MAX_EVENTS = 200


def ensure_events_enabled(info) -> None:
    """Events are a per-server feature (§5.2); the store knob `events_enabled` switches them off."""
    if not info.context.store.events_enabled:
        raise GraphQLError(
            "The events system is not enabled on this Centra instance.",
            extensions={"category": "authorization"},
        )


def require_events(info, permission: str) -> None:
    ensure_events_enabled(info)
    info.context.require(permission, info.field_name)


def resolve_events(_root, info, where=None, limit=None):
    require_events(info, "Event:read")
    limit = min(limit or 100, MAX_EVENTS)
    return events.pending(info.context.store, info.context.principal.integration_name, where, limit)


def resolve_event_listeners(_root, info):
    require_events(info, "Event:read")
    store = info.context.store
    return list(store.event_listeners.filter(integration_name=info.context.principal.integration_name).order_by("id"))


def _object(event, _info):
    model = OBJECT_MODELS.get(event.object_type)
    return None if model is None else model.objects.filter(pk=event.object_pk).first()


def resolve_event_object_type(obj, info, abstract_type):
    if isinstance(obj, Order):
        return resolve_order_type(obj, info, abstract_type)
    if isinstance(obj, Shipment):
        return resolve_shipment_type(obj, info, abstract_type)
    if isinstance(obj, Return):
        return resolve_return_type(obj, info, abstract_type)
    return type(obj).__name__


RESOLVERS = {
    "Query": {"events": resolve_events, "eventListeners": resolve_event_listeners},
    "Event": {"object": _object, "store": lambda event, _info: event.channel},
}
TYPE_RESOLVERS = {"EventObject": resolve_event_object_type}
