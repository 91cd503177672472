"""Invoice totals, computed server-side as Fortnox does (the client never sends them).

Fortnox documents the fields but not the arithmetic (fortnox.md §5.2). The SIMULATED choices:
- an AMOUNT discount is taken off the row total once (not per unit), with the row's sign;
- Freight and AdministrationFee carry the highest VAT rate among the rows ("VAT follows the
  rows"), and include VAT when `VATIncluded` is true, like the row prices;
- VAT is summed exactly and rounded once; `Net` = rows excluding VAT, `Gross` = Net + freight +
  fee excluding VAT, `Total` = Gross + TotalVAT (+ RoundOff under the tenant's rounding knob).

Rounding agrees with the money policy the engine writes documents with (`integrations/money.py`;
this room never imports it): `Price`, `DeliveredQuantity` and `Discount` are stored at 2 decimals
half up (`validation.round2`), a row total is price × quantity less the discount rounded half up,
and a whole-unit tenant's `Total` is rounded half up with the difference in `RoundOff`.
`tests/mappings/test_money_policy.py` checks the two agree.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .validation import round2

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    gross: Decimal
    total_vat: Decimal
    freight_vat: Decimal
    administration_fee_vat: Decimal
    round_off: Decimal
    total: Decimal

    def as_fields(self) -> dict:
        return {
            "Net": self.net,
            "Gross": self.gross,
            "TotalVAT": self.total_vat,
            "FreightVAT": self.freight_vat,
            "AdministrationFeeVAT": self.administration_fee_vat,
            "RoundOff": self.round_off,
            "Total": self.total,
            "TotalToPay": self.total,
        }


def _dec(value) -> Decimal:
    return ZERO if value in (None, "") else Decimal(str(value))


def row_total(row: dict) -> Decimal:
    """Price × quantity less the discount, in the document's price basis (with or without VAT)."""
    amount = _dec(row.get("Price")) * _dec(row.get("DeliveredQuantity"))
    discount = _dec(row.get("Discount"))
    if row.get("DiscountType") == "AMOUNT":
        amount -= discount if amount >= 0 else -discount
    else:
        amount *= 1 - discount / HUNDRED
    return round2(amount)


def _split(amount: Decimal, rate: Decimal, vat_included: bool) -> tuple[Decimal, Decimal]:
    """(amount excluding VAT, exact VAT) of an amount given in the document's price basis."""
    if vat_included:
        vat = amount * rate / (HUNDRED + rate)
        return amount - vat, vat
    return amount, amount * rate / HUNDRED


def _split_rounded(amount: Decimal, rate: Decimal, vat_included: bool) -> tuple[Decimal, Decimal]:
    vat = round2(_split(amount, rate, vat_included)[1])
    return (amount - vat if vat_included else amount), vat


def compute_rows(rows: list[dict], vat_included: bool) -> list[dict]:
    """The read-only row amounts (`Total`, `TotalExcludingVAT`, `PriceExcludingVAT`)."""
    computed = []
    for row in rows:
        rate = _dec(row.get("VAT"))
        total = row_total(row)
        excluding, _ = _split(total, rate, vat_included)
        price_excluding, _ = _split(_dec(row.get("Price")), rate, vat_included)
        computed.append(
            {"Total": total, "TotalExcludingVAT": round2(excluding), "PriceExcludingVAT": round2(price_excluding)}
        )
    return computed


def compute(rows: list[dict], *, freight=None, administration_fee=None, vat_included=False,
            rounding="none") -> Totals:
    rows_with_totals = [(row_total(row), _dec(row.get("VAT"))) for row in rows]
    rows_amount = sum((total for total, _ in rows_with_totals), ZERO)
    rows_vat = round2(sum((_split(total, rate, vat_included)[1] for total, rate in rows_with_totals), ZERO))
    net = rows_amount - rows_vat if vat_included else rows_amount

    fee_rate = max((rate for _, rate in rows_with_totals), default=ZERO)
    freight_ex, freight_vat = _split_rounded(round2(_dec(freight)), fee_rate, vat_included)
    fee_ex, fee_vat = _split_rounded(round2(_dec(administration_fee)), fee_rate, vat_included)
    gross = round2(net + freight_ex + fee_ex)
    total_vat = rows_vat + freight_vat + fee_vat

    exact = gross + total_vat
    total = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP) if rounding == "whole" else exact
    return Totals(
        net=round2(net),
        gross=gross,
        total_vat=total_vat,
        freight_vat=freight_vat,
        administration_fee_vat=fee_vat,
        round_off=round2(total - exact),
        total=round2(total),
    )
