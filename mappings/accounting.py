"""Which account and VAT rate a row is booked on, from who bought and where.

The same booking applies to an invoice and to the credit invoices of its returns, so a credit
always reverses exactly the accounts (OSS country, reverse charge, export) of the sale.
"""

from dataclasses import dataclass
from decimal import Decimal

from integrations.errors import SyncError

from .models import Bookkeeping, OssCountry

DOMESTIC = "domestic"
EU_REVERSE_CHARGE = "eu_reverse_charge"
EU_OSS = "eu_oss"
EU_HOME_VAT = "eu_home_vat"
EXPORT = "export"
ZERO = Decimal("0")


@dataclass(frozen=True)
class Booking:
    situation: str
    bookkeeping: Bookkeeping
    oss: OssCountry | None = None

    def goods(self, vat_rate: Decimal) -> tuple[int, Decimal]:
        """(account, VAT rate) for goods sold at Centra's `vat_rate`."""
        b = self.bookkeeping
        if self.situation == DOMESTIC:
            return b.domestic_account(vat_rate), vat_rate
        if self.situation == EU_REVERSE_CHARGE:
            return b.eu_reverse_charge_account, ZERO
        if self.situation == EXPORT:
            return b.export_account, ZERO
        if self.situation == EU_OSS:
            reduced = self.oss.reduced_vat_rate is not None and 0 < vat_rate < 25
            return self.oss.sales_account, self.oss.reduced_vat_rate if reduced else self.oss.vat_rate
        return b.eu_vat_account, vat_rate  # EU consumer, OSS off: home VAT

    def gift_card(self) -> tuple[int, Decimal]:
        """A sold gift card is money owed back in goods: a liability without VAT until redeemed."""
        return self.bookkeeping.gift_card_account, ZERO

    def freight(self, goods_vat: Decimal) -> tuple[int, Decimal]:
        """Shipping follows the goods' VAT; at home it has its own account, elsewhere the goods'."""
        account, vat = self.goods(goods_vat)
        return (self.bookkeeping.freight_account, vat) if self.situation == DOMESTIC else (account, vat)

    def discount(self, vat_rate: Decimal) -> tuple[int, Decimal]:
        account, vat = self.goods(vat_rate)
        return (self.bookkeeping.discount_account or account), vat

    def return_fee(self, goods_vat: Decimal) -> tuple[int, Decimal]:
        """Return fees have their own account, never shipping's; VAT as the goods."""
        _, vat = self.goods(goods_vat)
        return self.bookkeeping.return_fee_account, vat


def booking_for(bookkeeping: Bookkeeping, oss_countries: dict[str, OssCountry], *, country_code: str,
                is_eu: bool | None, is_company: bool, vat_number: str) -> Booking:
    country_code = (country_code or bookkeeping.home_country).upper()
    if country_code == bookkeeping.home_country:
        return Booking(DOMESTIC, bookkeeping)
    if not is_eu:
        return Booking(EXPORT, bookkeeping)
    if is_company and vat_number:
        return Booking(EU_REVERSE_CHARGE, bookkeeping)
    if not bookkeeping.oss_enabled:
        return Booking(EU_HOME_VAT, bookkeeping)
    oss = oss_countries.get(country_code)
    if oss is None:
        raise SyncError(
            "unmapped_vat",
            f"EU consumer sale to {country_code} with OSS on, but {country_code} has no OSS sales account "
            "in the bookkeeping settings.",
        )
    return Booking(EU_OSS, bookkeeping, oss)
