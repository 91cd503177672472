"""Business rules of the simulated Centra tenant, shared by the GraphQL mutations and seeding.

Seeding and tests call these directly; they run the same code paths as the API.
"""

from .events import confirm as confirm_events
from .events import emit as emit_event
from .events import set_listeners as set_event_listeners
from .events import unset_listeners as unset_event_listeners
from .orders import cancel_order, confirm_order, create_order, find_order, is_waiting_for_payment, set_orders_lock
from .prices import set_price, set_prices
from .returns import FROM_SHIPMENT, complete_return, create_return, find_return
from .setup import (
    create_customer,
    create_market,
    create_product,
    create_store,
    create_token,
    create_warehouse,
    size_by_sku,
)
from .shipments import capture_shipment, complete_shipment, create_shipment, find_shipment, update_shipment
from .stock import change_stock, set_stock, set_stock_levels, stock_totals

__all__ = [
    "FROM_SHIPMENT", "cancel_order", "capture_shipment", "change_stock", "complete_return", "complete_shipment",
    "confirm_events", "confirm_order", "create_customer", "create_market", "create_order", "create_product",
    "create_return", "create_shipment", "create_store", "create_token", "create_warehouse", "emit_event",
    "find_order", "find_return", "find_shipment", "is_waiting_for_payment", "set_event_listeners",
    "set_orders_lock", "set_price", "set_prices", "set_stock", "set_stock_levels", "size_by_sku", "stock_totals",
    "unset_event_listeners", "update_shipment",
]
