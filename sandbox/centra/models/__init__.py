"""Tables of the Centra simulator, split by area."""

from .catalog import Customer, Price, Product, ProductSize, ProductVariant, Size, Stock, StockChange
from .events import Event, EventListener
from .orders import Order, OrderLine, PaymentHistoryEntry, Return, ReturnLine, Shipment, ShipmentLine
from .tenant import ApiToken, Channel, Market, Pricelist, Store, Warehouse
from .webhooks import WebhookDelivery

__all__ = [
    "ApiToken", "Channel", "Customer", "Event", "EventListener", "Market", "Order", "OrderLine",
    "PaymentHistoryEntry", "Price", "Pricelist", "Product", "ProductSize", "ProductVariant", "Return",
    "ReturnLine", "Shipment", "ShipmentLine", "Size", "Stock", "StockChange", "Store", "Warehouse",
    "WebhookDelivery",
]
