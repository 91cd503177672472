"""Centra order/shipment payloads shaped like the client's GraphQL answers."""

from decimal import Decimal


def money(value, currency="SEK", rate=1):
    return {"value": float(value), "currency": {"code": currency}, "conversionRate": rate}


def order_line(line_id, sku, *, quantity=1, unit_price="100", original=None, discount=0, tax=25, name="Item"):
    original = original if original is not None else unit_price
    return {
        "id": line_id, "productName": name, "productVariantName": "", "quantity": quantity,
        "taxPercent": tax, "discountPercent": discount,
        "unitPrice": {"value": float(unit_price)}, "unitOriginalPrice": {"value": float(original)},
        "lineValue": {"value": float(Decimal(unit_price) * quantity)},
        "productSize": {"id": line_id * 10, "SKU": sku, "EAN": None},
    }


def shipment(shipment_id, lines, *, shipping="0", discounts="0", total=None, currency="SEK", number=None):
    goods = sum(Decimal(str(line["value"])) for line in lines)
    total = Decimal(total) if total is not None else goods + Decimal(shipping) + Decimal(discounts)
    return {
        "id": shipment_id, "number": number or f"1000-{shipment_id}", "createdAt": "2026-11-20T10:00:00+01:00",
        "isGoodToGo": True, "isPaid": True, "isCaptured": True, "isShipped": False, "shippedAt": None,
        "grandTotal": money(total, currency),
        "totals": {"shipping": {"value": float(shipping)}, "discounts": {"value": float(discounts)}},
        "lines": [
            {"id": 900 + i, "quantity": line["quantity"], "lineValue": {"value": float(line["value"])},
             "orderLine": {"id": line["order_line"]}}
            for i, line in enumerate(lines)
        ],
    }


def order(lines, shipments, *, email="anna@example.com", currency="SEK", country="SE", is_eu=True, number=1000):
    return {
        "id": "a" * 32, "number": number, "status": "PROCESSING",
        "grandTotal": money(0, currency),
        "billingAddress": {
            "firstName": "Anna", "lastName": "Berg", "companyName": None, "address1": "Storgatan 1",
            "address2": None, "city": "Stockholm", "zipCode": "11122", "email": email,
            "phoneNumber": "+4670", "vatNumber": None, "country": {"code": country, "name": country, "isEU": is_eu},
        },
        "shippingAddress": {"firstName": "Anna", "lastName": "Berg", "address1": "Storgatan 1", "city": "Stockholm",
                            "zipCode": "11122", "country": {"code": country, "name": country, "isEU": is_eu}},
        "customer": {"id": 881, "email": email, "firstName": "Anna", "lastName": "Berg"},
        "lines": lines,
        "shipments": shipments,
    }


def centra_return(return_id, order_payload, shipment_payload, lines, *, shipping="0", handling="0", fee="0",
                  discounts="0", total=None):
    """A return of `shipment_payload` as RETURNS_QUERY reads it; lines are (order line id, quantity, value)."""
    goods = sum(Decimal(value) for _, _, value in lines)
    total = Decimal(total) if total is not None else (
        goods + Decimal(shipping) + Decimal(handling) - Decimal(fee) - Decimal(discounts))
    order_fields = {key: value for key, value in order_payload.items() if key != "shipments"}
    return {
        "id": return_id, "status": "COMPLETED", "createdAt": "2026-11-25T10:00:00+01:00",
        "updatedAt": "2026-11-25T10:00:00+01:00", "grandTotal": money(total),
        "totals": {"shipping": {"value": float(shipping)}, "handling": {"value": float(handling)},
                   "returnCost": {"value": float(fee)}, "discounts": {"value": float(discounts)}},
        "lines": [{"id": 700 + i, "quantity": quantity, "lineValue": {"value": float(value)},
                   "orderLine": {"id": line_id}} for i, (line_id, quantity, value) in enumerate(lines)],
        "shipment": {"id": shipment_payload["id"], "number": shipment_payload["number"]},
        "order": order_fields,
    }


def mapping_context(flow_kind="orders", *, oss=None, value_maps=None, **bookkeeping):
    """A run's mapping context with the preset mappings and default bookkeeping, no database.

    `oss`: {(country, rate): (sales account[, return fee account])}.
    """
    from mappings.centra import MappingContext, oss_accounts_by_country
    from mappings.models import Bookkeeping, OssAccount
    from mappings.presets import PRESETS
    from mappings.services import MappingSet, Rule

    rules = [Rule(s.target, s.source_path, s.transform, s.argument) for s in PRESETS[("centra", "fortnox", flow_kind)]]
    oss_accounts = oss_accounts_by_country(
        OssAccount(country_code=code, vat_rate=Decimal(rate), sales_account=account,
                   return_fee_account=fee_account[0] if fee_account else None)
        for (code, rate), (account, *fee_account) in (oss or {}).items()
    )
    return MappingContext(MappingSet(rules, value_maps or {}), Bookkeeping(**bookkeeping), oss_accounts)
