"""What a Business Central company must hold before Junipeer's first invoice: the port's `check_setup`.

Reads the company's currencies, VAT product posting groups, chart of accounts and the configured
items once each (business-central.md §5.6-5.8); every missing item says where in BC to add it.
BC's VAT posting setup (which rate a business x product group gives) is not readable through the
standard API: a rate counts as ready when the company has the VAT product posting group the
integration maps it to by default (VAT25, VAT12, VAT6, VAT0); BC itself checks the rate on every
line before anything is posted.
"""

from decimal import Decimal

from ...domain.erp import SetupItem, SetupNeeds
from ...domain.money import percent_text
from .client import quoted


class SetupMixin:
    def check_setup(self, needs: SetupNeeds) -> list[SetupItem]:
        items = []
        if needs.currencies:
            held = self.currencies()
            for code in needs.currencies:
                ok = code.upper() in held
                items.append(SetupItem("currency", code, f"Currency {code}", ok, "" if ok else (
                    f"Add {code} on Business Central's Currencies page, with its exchange rates, so documents in it "
                    "can be created.")))
        if needs.vat_rates:
            groups = {str(g.get("code") or ""): g for g in self.client.list_all("taxGroups")}
            for rate in needs.vat_rates:
                text = percent_text(Decimal(rate))
                code = f"VAT{text}"
                ok = code in groups
                items.append(SetupItem("vat_rate", text, f"VAT {text} %", ok, "" if ok else (
                    f"Business Central has no VAT product posting group {code}: create it (VAT Product Posting "
                    f"Groups, with a VAT posting setup of {text} % for domestic customers) or map {text} % to "
                    "another group in the integration's posting groups.")))
        if needs.accounts:
            wanted = sorted({str(number) for _, number in needs.accounts})
            held = {}
            for start in range(0, len(wanted), 20):
                chunk = ",".join(quoted(n) for n in wanted[start:start + 20])
                held.update({str(a["number"]): a for a in self.client.find("accounts", f"number in ({chunk})")})
            for purpose, number in needs.accounts:
                account = held.get(str(number))
                if account is None:
                    ok, advice = False, (f"Add G/L account {number} to the chart of accounts in Business Central, "
                                         f"or choose another account for {purpose} at the Bookkeeping step.")
                elif account.get("blocked") or account.get("accountType") != "Posting" \
                        or not account.get("directPosting"):
                    ok, advice = False, (f"G/L account {number} must be a Posting account, not blocked, with Direct "
                                         "Posting on (Chart of Accounts > the account card) to take invoice lines.")
                else:
                    ok, advice = True, ""
                name = f" ({account['displayName']})" if account and account.get("displayName") else ""
                items.append(SetupItem("account", str(number), f"G/L account {number}{name} for {purpose}", ok,
                                       advice))
        for purpose, number in needs.articles:
            ok = self.find_article(number) is not None
            items.append(SetupItem("article", number, f"Item {number} for {purpose}", ok, "" if ok else (
                f"Create item {number} in Business Central (Items > New) as a Service or Non-Inventory item, or let "
                "Junipeer create it here.")))
        return items
