"""Stock and events-queue mutations (centra.md §4.9, §4.10, §4.16)."""

from .. import services
from .events import ensure_events_enabled
from .payloads import mutation


@mutation("StockChange:write", "stockChanges")
def set_stock(info, _warnings, input):
    return {"stockChanges": [services.set_stock_levels(info.context.store, input)]}


@mutation("StockChange:write", "stockChange")
def change_stock(info, _warnings, input):
    return {"stockChange": services.change_stock(info.context.store, input)}


def _event_mutation(func):
    """Event mutations also need the events system to be enabled on the store."""

    def resolve(root, info, **args):
        ensure_events_enabled(info)
        return func(root, info, **args)

    return resolve


@_event_mutation
@mutation("Event:write", "eventListeners")
def set_event_listeners(info, _warnings, input):
    principal = info.context.principal
    return {"eventListeners": services.set_event_listeners(principal.store, principal.integration_name, input)}


@_event_mutation
@mutation("Event:write", "eventListeners")
def unset_event_listeners(info, _warnings, input):
    principal = info.context.principal
    object_types = [spec["objectType"] for spec in input]
    return {"eventListeners": services.unset_event_listeners(principal.store, principal.integration_name,
                                                             object_types)}


@_event_mutation
@mutation("Event:write", "confirmed")
def confirm_events(info, warnings, input):
    principal = info.context.principal
    warnings.extend(services.confirm_events(principal.store, principal.integration_name, input["eventsIds"]))
    return {}


RESOLVERS = {
    "Mutation": {
        "setStock": set_stock,
        "changeStock": change_stock,
        "setEventListeners": set_event_listeners,
        "unsetEventListeners": unset_event_listeners,
        "confirmEvents": confirm_events,
    },
}
