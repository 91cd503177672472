"""What a Fortnox company must hold before Junipeer's first invoice: the port's `check_setup`.

Reads the company's currencies and chart of accounts once each (fortnox.md §5.6, §5.7) and the
configured articles; every missing item says where in Fortnox to add it.
"""

from decimal import Decimal

from ...domain.erp import SetupItem, SetupNeeds

# Swedish VAT rates and the VAT code a Fortnox sales account carries for each (fortnox.md §5.10).
VAT_CODES = {Decimal(25): "MP1", Decimal(12): "MP2", Decimal(6): "MP3", Decimal(0): "MF"}


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


class SetupMixin:
    def check_setup(self, needs: SetupNeeds) -> list[SetupItem]:
        items = []
        if needs.currencies:
            held = {str(c.get("Code") or "").upper() for c in self.client.list_all("currencies", "Currencies")}
            for code in needs.currencies:
                items.append(SetupItem(
                    "currency", code, f"Currency {code}", code.upper() in held,
                    "" if code.upper() in held else
                    f"Add {code} in Fortnox under Inställningar > Bokföring > Valutor (Settings > Bookkeeping > "
                    "Currencies), with its exchange rate, so invoices in it can be created."))
        accounts = {}
        if needs.accounts or needs.vat_rates:
            accounts = {int(a["Number"]): a for a in self.client.list_all("accounts", "Accounts")
                        if str(a.get("Number") or "").isdigit()}
        for rate in needs.vat_rates:
            code = VAT_CODES.get(Decimal(rate))
            found = code is not None and any(a.get("Active", True) and a.get("VATCode") == code
                                             for a in accounts.values())
            if code is None:
                advice = (f"Sweden has no {_percent(rate)} % VAT: sales at that rate go to OSS accounts "
                          "(one per country and rate), entered at the Bookkeeping step.")
            else:
                advice = (f"Give an active sales account the VAT code {code} in Fortnox (Bokföring > Kontoplan), "
                          f"e.g. 300x for goods at {_percent(rate)} %.")
            items.append(SetupItem("vat_rate", _percent(rate), f"VAT {_percent(rate)} %", found,
                                   "" if found else advice))
        for purpose, number in needs.accounts:
            account = accounts.get(int(number))
            if account is None:
                ok, advice = False, (f"Add account {number} to the chart of accounts in Fortnox (Bokföring > "
                                     f"Kontoplan > Nytt konto), or choose another account for {purpose} at the "
                                     "Bookkeeping step.")
            elif not account.get("Active", True):
                ok, advice = False, f"Account {number} is inactive in Fortnox: activate it under Bokföring > Kontoplan."
            else:
                ok, advice = True, ""
            description = f" ({account['Description']})" if account and account.get("Description") else ""
            items.append(SetupItem("account", str(number), f"Account {number}{description} for {purpose}", ok, advice))
        for purpose, number in needs.articles:
            found = self.find_article(number) is not None
            items.append(SetupItem(
                "article", number, f"Article {number} for {purpose}", found,
                "" if found else f"Create article {number} in Fortnox (Register > Artiklar) as a service "
                                 "(Tjänst) without stock, or let Junipeer create it here."))
        return items
