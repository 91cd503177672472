"""Which account and VAT rate a row is booked on, from who bought, where, and the VAT Centra charged.

A row's VAT is the rate Centra charged for its line (Centra applies the destination country's
rates); only the account depends on the situation (home, EU business, EU consumer with or without
OSS, export). Shipping, discounts and fees follow the rate of the goods they belong to.

An invoice's booking is frozen into a small snapshot (`Booking.snapshot`) that is kept with the
invoice's record link; its credit invoices are booked from that snapshot (`FrozenBooking`), so a
credit reverses exactly the accounts and rates of the sale even if the settings changed since.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal

from integrations.domain.errors import SyncError
from integrations.domain.money import percent_text

from .models import Bookkeeping, OssAccount, PostingGroups

DOMESTIC = "domestic"
EU_REVERSE_CHARGE = "eu_reverse_charge"
EU_OSS = "eu_oss"
EU_HOME_VAT = "eu_home_vat"
EXPORT = "export"
ZERO = Decimal("0")
SNAPSHOT_VERSION = 1

Posting = tuple[int, Decimal]  # (account, VAT rate)
KINDS = ("goods", "freight", "discount", "return_fee")


class Booking(ABC):
    """What every booking answers: the posting of each kind of row at a Centra VAT rate."""

    situation: str

    @abstractmethod
    def goods(self, vat_rate: Decimal) -> Posting:
        """Goods Centra sold at `vat_rate`."""

    @abstractmethod
    def freight(self, vat_rate: Decimal) -> Posting:
        """The part of shipping (or handling) that belongs to goods at `vat_rate`."""

    @abstractmethod
    def discount(self, vat_rate: Decimal) -> Posting:
        """The part of a voucher that belongs to goods at `vat_rate`."""

    @abstractmethod
    def return_fee(self, vat_rate: Decimal) -> Posting:
        """The part of a return fee that belongs to returned goods at `vat_rate`."""

    @abstractmethod
    def gift_card(self) -> Posting:
        """A gift card sold."""

    @abstractmethod
    def is_gift_card(self, sku: str) -> bool:
        """Whether the SKU is booked as a gift card."""

    def shipping_weights(self, returned_goods: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
        """What refunded shipping is split by: the returned goods by VAT rate, unless the invoice's own
        split is known (`FrozenBooking`)."""
        return returned_goods

    def snapshot(self, goods_by_vat: dict[Decimal, Decimal], skus=()) -> dict:
        """What a credit invoice needs to book like this invoice: every posting at the Centra rates of
        its goods, the goods value per rate its shipping was split by, and which of its SKUs were gift
        cards. JSON-ready."""
        return {
            "version": SNAPSHOT_VERSION,
            "situation": self.situation,
            "gift_card": _posting_json(self.gift_card()),
            "gift_card_skus": sorted({sku for sku in skus if self.is_gift_card(sku)}),
            "rates": {
                percent_text(rate): {kind: _posting_json(getattr(self, kind)(rate)) for kind in KINDS}
                for rate in sorted(goods_by_vat)
            },
            "shipping_weights": {percent_text(rate): str(value) for rate, value in sorted(goods_by_vat.items())},
        }


def _posting_json(posting: Posting) -> list:
    account, vat = posting
    return [account, percent_text(vat)]


@dataclass(frozen=True)
class SettingsBooking(Booking):
    """A booking read from the integration's bookkeeping settings and OSS accounts (a new invoice)."""

    situation: str
    bookkeeping: Bookkeeping
    country_code: str = ""
    oss: dict[Decimal, OssAccount] = field(default_factory=dict)  # the country's OSS accounts by rate

    def goods(self, vat_rate: Decimal) -> Posting:
        b = self.bookkeeping
        if self.situation == DOMESTIC:
            account = b.domestic_account(vat_rate)
            if account is None:
                raise SyncError("unknown_vat_rate",
                                f"Centra charged {percent_text(vat_rate)} % VAT on a sale in {b.home_country}, "
                                "a rate with no domestic sales account (25, 12, 6 or 0 %).")
            return account, vat_rate
        if self.situation == EU_REVERSE_CHARGE:
            return b.eu_reverse_charge_account, ZERO
        if self.situation == EXPORT:
            return b.export_account, ZERO
        if self.situation == EU_OSS:
            return self._oss(vat_rate).sales_account, vat_rate
        return b.eu_vat_account, vat_rate  # EU consumer, OSS off: home VAT

    def freight(self, vat_rate: Decimal) -> Posting:
        """Shipping at the goods' rate: on the freight account at home, on the goods' account elsewhere
        (so an OSS country's shipping is in that country's OSS report)."""
        account, vat = self.goods(vat_rate)
        return (self.bookkeeping.freight_account, vat) if self.situation == DOMESTIC else (account, vat)

    def discount(self, vat_rate: Decimal) -> Posting:
        """A discount lowers the sale it was given on: the discount account at home if one is set,
        the goods' own account elsewhere (an OSS discount lowers that country's OSS sales)."""
        account, vat = self.goods(vat_rate)
        if self.situation == DOMESTIC and self.bookkeeping.discount_account:
            return self.bookkeeping.discount_account, vat
        return account, vat

    def return_fee(self, vat_rate: Decimal) -> Posting:
        """Return fees have their own account, never shipping's, at the returned goods' rate. An OSS
        sale's fee is part of that country's sale: its OSS return fee account, else its sales account."""
        _, vat = self.goods(vat_rate)
        if self.situation == EU_OSS:
            oss = self._oss(vat_rate)
            return oss.return_fee_account or oss.sales_account, vat
        return self.bookkeeping.return_fee_account, vat

    def gift_card(self) -> Posting:
        """A sold gift card is money owed back in goods: a liability without VAT until redeemed."""
        return self.bookkeeping.gift_card_account, ZERO

    def is_gift_card(self, sku: str) -> bool:
        return sku in (self.bookkeeping.gift_card_skus or [])

    def _oss(self, vat_rate: Decimal) -> OssAccount:
        country, rate = self.country_code, percent_text(vat_rate)
        if not self.oss:
            raise SyncError(
                "unmapped_vat",
                f"EU consumer sale to {country} with OSS on, but {country} has no OSS sales accounts: add one "
                f"for {country} at {rate} % in the bookkeeping settings.",
            )
        account = self.oss.get(vat_rate)
        if account is None:
            configured = ", ".join(f"{percent_text(r)} %" for r in sorted(self.oss))
            raise SyncError(
                "unmapped_oss_rate",
                f"Centra charged {rate} % VAT on a sale to {country}, but {country} has OSS sales accounts only "
                f"for {configured}: add an OSS sales account for {country} at {rate} % in the bookkeeping settings.",
            )
        return account


@dataclass(frozen=True)
class FrozenBooking(Booking):
    """The booking of an invoice as it was made (its snapshot): what its credit invoices are booked on."""

    situation: str
    postings: dict[Decimal, dict[str, Posting]]
    gift_card_posting: Posting
    gift_card_skus: frozenset[str]
    weights: dict[Decimal, Decimal] = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, snapshot: dict) -> "FrozenBooking":
        def posting(value) -> Posting:
            account, vat = value
            return int(account), Decimal(str(vat))

        return cls(
            situation=snapshot["situation"],
            postings={Decimal(rate): {kind: posting(p) for kind, p in kinds.items()}
                      for rate, kinds in snapshot["rates"].items()},
            gift_card_posting=posting(snapshot["gift_card"]),
            gift_card_skus=frozenset(snapshot.get("gift_card_skus") or []),
            weights={Decimal(rate): Decimal(value) for rate, value in (snapshot.get("shipping_weights") or {}).items()},
        )

    def shipping_weights(self, returned_goods: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
        """The invoice's split: refunded shipping reverses the invoice's shipping rows rate for rate."""
        return self.weights or returned_goods

    def _posting(self, kind: str, vat_rate: Decimal) -> Posting:
        by_kind = self.postings.get(vat_rate)
        if by_kind is None:
            booked = ", ".join(f"{percent_text(r)} %" for r in sorted(self.postings)) or "none"
            raise SyncError("invalid_source_data",
                            f"Goods at {percent_text(vat_rate)} % VAT are credited, but the invoice booked goods "
                            f"only at {booked}.")
        return by_kind[kind]

    def goods(self, vat_rate: Decimal) -> Posting:
        return self._posting("goods", vat_rate)

    def freight(self, vat_rate: Decimal) -> Posting:
        return self._posting("freight", vat_rate)

    def discount(self, vat_rate: Decimal) -> Posting:
        return self._posting("discount", vat_rate)

    def return_fee(self, vat_rate: Decimal) -> Posting:
        return self._posting("return_fee", vat_rate)

    def gift_card(self) -> Posting:
        return self.gift_card_posting

    def is_gift_card(self, sku: str) -> bool:
        return sku in self.gift_card_skus


def booking_for(bookkeeping: Bookkeeping, oss_accounts: dict[str, dict[Decimal, OssAccount]], *,
                country_code: str, is_eu: bool | None, is_company: bool, vat_number: str) -> SettingsBooking:
    """The booking situation of a buyer: home, EU business (reverse charge), EU consumer, export."""
    country_code = (country_code or bookkeeping.home_country).upper()
    if country_code == bookkeeping.home_country:
        return SettingsBooking(DOMESTIC, bookkeeping, country_code)
    if not is_eu:
        return SettingsBooking(EXPORT, bookkeeping, country_code)
    if is_company and vat_number:
        return SettingsBooking(EU_REVERSE_CHARGE, bookkeeping, country_code)
    if not bookkeeping.oss_enabled:
        return SettingsBooking(EU_HOME_VAT, bookkeeping, country_code)
    return SettingsBooking(EU_OSS, bookkeeping, country_code, oss_accounts.get(country_code, {}))


@dataclass(frozen=True)
class PostingGroupBooking(Booking):
    """A booking for an ERP whose accounts come from posting groups (Business Central).

    Goods are item lines: the item's posting groups pick the sales account, so no row account
    matters and no OSS sales accounts are needed. Free rows still name a G/L account: shipping the
    freight account, discounts the discount account (else the home sales account of the rate),
    return fees their own account, gift cards theirs. The VAT of a row is the rate Centra charged,
    none for reverse charge and export, as in `SettingsBooking`.
    """

    situation: str
    bookkeeping: Bookkeeping
    country_code: str = ""

    def _vat(self, vat_rate: Decimal) -> Decimal:
        return ZERO if self.situation in (EU_REVERSE_CHARGE, EXPORT) else vat_rate

    def goods(self, vat_rate: Decimal) -> Posting:
        b = self.bookkeeping
        return b.domestic_account(self._vat(vat_rate)) or b.sales_account_25, self._vat(vat_rate)

    def freight(self, vat_rate: Decimal) -> Posting:
        return self.bookkeeping.freight_account, self._vat(vat_rate)

    def discount(self, vat_rate: Decimal) -> Posting:
        account, vat = self.goods(vat_rate)
        return self.bookkeeping.discount_account or account, vat

    def return_fee(self, vat_rate: Decimal) -> Posting:
        return self.bookkeeping.return_fee_account, self._vat(vat_rate)

    def gift_card(self) -> Posting:
        return self.bookkeeping.gift_card_account, ZERO

    def is_gift_card(self, sku: str) -> bool:
        return sku in (self.bookkeeping.gift_card_skus or [])


SITUATION_LABELS = {DOMESTIC: "domestic", EU_REVERSE_CHARGE: "EU reverse charge", EU_HOME_VAT: "EU consumer (home VAT)",
                    EXPORT: "export"}


def posting_groups_for(groups: PostingGroups, situation: str, country_code: str, rates) -> dict:
    """The VAT business posting group of the situation and the VAT product posting group of each
    rate, as the invoice carries them to the ERP (in its booking snapshot). JSON-ready."""
    if situation == EU_OSS:
        label, business = f"OSS {country_code}", (groups.oss or {}).get(country_code.upper(), "")
    else:
        label, business = SITUATION_LABELS.get(situation, situation), getattr(groups, situation, "")
    if not business:
        raise SyncError("unmapped_vat_business_group",
                        f"No VAT business posting group for {label} sales: map {label} to one of Business Central's "
                        "VAT business posting groups in the integration's bookkeeping settings.")
    products = {}
    for rate in sorted(set(rates)):
        code = (groups.vat_products or {}).get(percent_text(rate), "")
        if not code:
            raise SyncError("unmapped_vat_product_group",
                            f"No VAT product posting group for {percent_text(rate)} % VAT: map the rate to one of "
                            "Business Central's VAT product posting groups in the integration's bookkeeping settings.")
        products[percent_text(rate)] = code
    return {"situation": label, "vat_business": business, "vat_products": products}
