"""The §5.2 events queue: listeners per integration name, events kept until confirmed."""

from django.db import transaction
from django.utils import timezone

from ..errors import UserError
from ..models import Event, EventListener, Order, Return, Shipment, Store

OBJECT_TYPES = ("Order", "Shipment", "Return", "Product", "ProductVariant", "ProductSize", "Customer")


def _reference(obj) -> str:
    return str(obj.number) if isinstance(obj, Order) else str(obj.pk)


def _order_of(obj) -> Order | None:
    if isinstance(obj, Order):
        return obj
    if isinstance(obj, Shipment | Return):
        return obj.order
    return None


def emit(store: Store, object_type: str, change_type: str, obj) -> int:
    """Queue an event for every integration listening to `object_type`; returns how many."""
    if not store.events_enabled:
        return 0
    listeners = [
        listener for listener in EventListener.objects.filter(store=store, object_type=object_type)
        if listener.wants(change_type)
    ]
    order = _order_of(obj)
    Event.objects.bulk_create(
        Event(
            store=store, integration_name=listener.integration_name, object_type=object_type,
            change_type=change_type, object_reference=_reference(obj), object_pk=obj.pk,
            channel_id=order.channel_id if order else None, market_id=order.market_id if order else None,
        )
        for listener in listeners
    )
    return len(listeners)


@transaction.atomic
def set_listeners(store: Store, integration_name: str, specs: list[dict]) -> list[EventListener]:
    """Additive and idempotent: change types are merged, an empty list means all of them."""
    for spec in specs:
        wanted = sorted(set(spec.get("changeTypes") or ()))
        listener, created = EventListener.objects.get_or_create(
            store=store, integration_name=integration_name, object_type=spec["objectType"],
            defaults={"change_types": wanted},
        )
        if not created:
            merged = [] if not wanted or not listener.change_types else sorted({*listener.change_types, *wanted})
            listener.change_types = merged
            listener.save(update_fields=["change_types", "updated_at"])
    return list(EventListener.objects.filter(store=store, integration_name=integration_name).order_by("id"))


@transaction.atomic
def unset_listeners(store: Store, integration_name: str, object_types: list[str]) -> list[EventListener]:
    """Remove listeners and drop the queued events of those types."""
    EventListener.objects.filter(
        store=store, integration_name=integration_name, object_type__in=object_types
    ).delete()
    Event.objects.filter(
        store=store, integration_name=integration_name, object_type__in=object_types, confirmed_at=None
    ).delete()
    return list(EventListener.objects.filter(store=store, integration_name=integration_name).order_by("id"))


def pending(store: Store, integration_name: str, where: dict | None = None, limit: int = 100):
    """The oldest unconfirmed events of this integration."""
    where = where or {}
    events = Event.objects.filter(store=store, integration_name=integration_name, confirmed_at=None)
    if where.get("objectType"):
        events = events.filter(object_type__in=where["objectType"])
    if where.get("changeType"):
        events = events.filter(change_type__in=where["changeType"])
    if where.get("storeId"):
        events = events.filter(channel_id__in=where["storeId"])
    if where.get("marketId"):
        events = events.filter(market_id__in=where["marketId"])
    return list(events.order_by("id")[:limit])


def confirm(store: Store, integration_name: str, event_ids: list[int]) -> list[UserError]:
    """Confirm events; ids that are unknown or already confirmed come back as warnings."""
    queued = Event.objects.filter(store=store, integration_name=integration_name, confirmed_at=None)
    found = set(queued.filter(id__in=event_ids).values_list("id", flat=True))
    queued.filter(id__in=found).update(confirmed_at=timezone.now())
    return [
        UserError(f"Event {event_id} not found or already confirmed", ("input", "eventsIds", index))
        for index, event_id in enumerate(event_ids)
        if event_id not in found
    ]
