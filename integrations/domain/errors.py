"""The error-code catalog: every error a user can meet, with what to do about it.

Codes are stable strings stored on sync records and runs; titles and advice may be reworded.
`retryable` says whether trying the same record again later can succeed without anyone changing
data or settings (rate limits, outages: yes; a missing e-mail: no).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    title: str
    advice: str
    retryable: bool


_CATALOG = [
    # Transport and authentication
    ErrorCode("rate_limited", "The API's rate limit was hit",
              "Nothing to do: the record is retried automatically with backoff.", True),
    ErrorCode("upstream_unavailable", "The remote API failed or timed out",
              "Usually passes by itself; the record is retried automatically.", True),
    ErrorCode("write_outcome_unknown", "A write was sent but its answer was lost",
              "The next attempt looks the document up by its reference before creating anything.", True),
    ErrorCode("auth_expired", "Access was refused: token expired or revoked",
              "Reconnect the system in the connection settings (in the ERP: approve Junipeer again).", False),
    ErrorCode("auth_forbidden", "The API token lacks a permission or licence",
              "Give the token the permission named in the message, then retry.", False),
    ErrorCode("bad_response", "The remote API answered something we cannot read",
              "Retry later; if it persists, contact support with the record id.", True),
    ErrorCode("remote_rejected", "The remote API rejected the document",
              "Read the remote message, fix the data or the setting it names, then retry.", False),
    ErrorCode("not_found", "A referenced object does not exist in the remote system",
              "Create it there or fix the mapping, then retry.", False),
    ErrorCode("unsafe_url", "The connection's address is not one Junipeer may call",
              "In the connection settings, use the system's public https:// address (not http://, and not a "
              "local or private network address), then retry.", False),
    # Mapping and validation (shipment -> invoice)
    ErrorCode("unknown_sku", "An order line's SKU has no article in the ERP",
              "Create the article in the ERP (article number = SKU) or fix the SKU in Centra, then retry.", False),
    ErrorCode("missing_sku", "An order line has no SKU",
              "Give the product size a SKU in Centra, then retry.", False),
    ErrorCode("invalid_article_number", "A SKU contains characters the ERP refuses in article numbers",
              "Rename the SKU in Centra to letters, digits and - _ + . / only, then retry.", False),
    ErrorCode("customer_missing_email", "The order has no customer e-mail",
              "Add an e-mail to the order's billing address in Centra, then retry.", False),
    ErrorCode("unsupported_currency", "The order currency does not exist in the ERP",
              "Add the currency in the ERP (Fortnox: Settings > Currencies), then retry.", False),
    ErrorCode("field_too_long", "A value is longer than the ERP accepts",
              "Shorten the value named in the message in Centra or add a truncate transform to the mapping.",
              False),
    ErrorCode("too_many_rows", "The invoice would have more rows than the ERP allows (500)",
              "Split the shipment in Centra into smaller shipments, then retry.", False),
    ErrorCode("invalid_source_data", "The Centra record is incomplete or malformed",
              "Read the message for the field; fix the record in Centra, then retry.", False),
    ErrorCode("total_mismatch", "The invoice total would not equal the captured amount",
              "Check discounts and shipping on the shipment in Centra; contact support if they look right.",
              False),
    ErrorCode("unmapped_vat", "No sales account for the buyer's country and VAT",
              "Add the country's OSS sales accounts (one per VAT rate) in the integration's bookkeeping "
              "settings (or turn OSS off), then retry.", False),
    ErrorCode("unmapped_oss_rate", "No OSS sales account for the VAT rate Centra charged in that country",
              "Add an OSS sales account for the country and rate named in the message (e.g. FR at 5.5 %) in "
              "the integration's bookkeeping settings, then retry.", False),
    ErrorCode("unknown_vat_rate", "A domestic sale at a VAT rate the home country does not have",
              "Fix the product's VAT (tax rule) in Centra to a home rate (Sweden: 25, 12, 6 or 0 %), then retry.",
              False),
    ErrorCode("original_invoice_missing", "The shipment of this return has no invoice yet",
              "Nothing to do if the orders flow is running: the credit invoice follows once the shipment "
              "is invoiced. Otherwise fix the shipment's failed record first.", True),
    ErrorCode("unmapped_required_field", "A field the ERP requires has no value",
              "Map the field named in the message (integration > field mappings) or fill it in Centra.", False),
    ErrorCode("in_progress_elsewhere", "Another run was pushing this record",
              "Nothing to do: it is retried once the other run has finished or its claim has expired.", True),
    ErrorCode("internal_error", "An unexpected error in Junipeer",
              "Retry; if it repeats, contact support with the record id.", True),
    # Stock and products
    ErrorCode("sku_not_in_centra", "An ERP article matches no product size in Centra",
              "Give the size this SKU (or EAN) in Centra, or leave the article out of the shop; then retry.",
              False),
    ErrorCode("warehouse_missing", "The flow's Centra warehouse does not exist",
              "Set the flow option `warehouse` to the name or id of a Centra warehouse, then retry.", False),
    ErrorCode("price_list_missing", "The flow's price list does not exist",
              "Create the price list (Fortnox: Settings > Price lists; Centra: Pricelists) or fix the flow "
              "option naming it, then retry.", False),
    ErrorCode("entity_changed", "The record was changed in the ERP while we were updating it",
              "Nothing to do: the record is read again and retried automatically.", True),
    ErrorCode("unmapped_vat_business_group", "No VAT business posting group for the buyer's booking situation",
              "Map the situation named in the message (domestic, EU reverse charge, an OSS country, export) to a "
              "VAT business posting group in the integration's bookkeeping settings, then retry.", False),
    ErrorCode("unmapped_vat_product_group", "No VAT product posting group for a VAT rate Centra charged",
              "Map the VAT rate named in the message to a VAT product posting group in the integration's "
              "bookkeeping settings, then retry.", False),
    ErrorCode("flow_misconfigured", "A flow option has a value the flow cannot use",
              "Fix the flow option named in the message, then run the flow again.", False),
]

CATALOG: dict[str, ErrorCode] = {entry.code: entry for entry in _CATALOG}


def describe(code: str) -> ErrorCode:
    return CATALOG.get(code) or CATALOG["internal_error"]


class SyncError(Exception):
    """A failure with a catalog code. Raised by connectors and flows, stored on sync records."""

    def __init__(self, code: str, message: str, *, request=None, response=None, retry_at=None):
        if code not in CATALOG:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.request = request
        self.response = response
        self.retry_at = retry_at  # when retrying can first succeed, if the error knows

    @property
    def retryable(self) -> bool:
        return CATALOG[self.code].retryable

    def __str__(self):
        return f"[{self.code}] {self.message}"


# Codes that mean the system refuses our access itself (revoked consent, dead token, no licence):
# no record can pass until someone reconnects it, so a run stops at once and fails no record.
ACCESS_REFUSED = frozenset({"auth_expired", "auth_forbidden"})
