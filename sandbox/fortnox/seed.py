"""What a fresh Fortnox company already has: a BAS chart subset, predefined accounts, terms of
payment, currencies and the default price list "A". Account numbers and VAT codes follow the
Swedish BAS plan; rates and the exact set Fortnox seeds are SIMULATED."""

from decimal import Decimal

from .models import Account, Currency, PredefinedAccount, Tenant, TermsOfPayment
from .prices import ensure_default_price_list

VAT_RATES = {"MP1": Decimal(25), "MP2": Decimal(12), "MP3": Decimal(6), "MF": Decimal(0)}

# number: (description, VAT code, VAT rate, SRU)
ACCOUNTS = {
    1510: ("Kundfordringar", "", 0, 7251),
    1930: ("Företagskonto/checkkonto/affärskonto", "", 0, 7281),
    2440: ("Leverantörsskulder", "", 0, 7368),
    2611: ("Utgående moms på försäljning inom Sverige, 25 %", "", 0, 7369),
    2621: ("Utgående moms på försäljning inom Sverige, 12 %", "", 0, 7369),
    2631: ("Utgående moms på försäljning inom Sverige, 6 %", "", 0, 7369),
    2641: ("Debiterad ingående moms", "", 0, 7369),
    3001: ("Försäljning inom Sverige, 25 % moms", "MP1", 25, 7410),
    3002: ("Försäljning inom Sverige, 12 % moms", "MP2", 12, 7410),
    3003: ("Försäljning inom Sverige, 6 % moms", "MP3", 6, 7410),
    3004: ("Försäljning inom Sverige, momsfri", "MF", 0, 7410),
    3041: ("Försäljning tjänster inom Sverige, 25 % moms", "MP1", 25, 7410),
    3042: ("Försäljning tjänster inom Sverige, 12 % moms", "MP2", 12, 7410),
    3043: ("Försäljning tjänster inom Sverige, 6 % moms", "MP3", 6, 7410),
    3044: ("Försäljning tjänster inom Sverige, momsfri", "MF", 0, 7410),
    3105: ("Försäljning varor till land utanför EU", "", 0, 7410),
    3106: ("Försäljning varor till annat EU-land, momspliktig", "MP1", 25, 7410),
    3108: ("Försäljning varor till annat EU-land, momsfri", "", 0, 7410),
    3305: ("Försäljning tjänster till land utanför EU", "", 0, 7410),
    3308: ("Försäljning tjänster till annat EU-land", "", 0, 7410),
    3520: ("Fakturerade frakter", "MP1", 25, 7410),
    3540: ("Faktureringsavgifter", "MP1", 25, 7410),
    3731: ("Lämnade kassarabatter", "MP1", 25, 7410),
    3740: ("Öres- och kronutjämning", "", 0, 7410),
    3960: ("Valutakursvinster på fordringar och skulder av rörelsekaraktär", "", 0, 7410),
    4000: ("Inköp av varor från Sverige", "", 0, 7411),
    7960: ("Valutakursförluster på fordringar och skulder av rörelsekaraktär", "", 0, 7513),
}

PREDEFINED_ACCOUNTS = {
    "SALES_25_SE": 3001, "SALES_12_SE": 3002, "SALES_6_SE": 3003, "SALES_0_SE": 3004,
    "SALES_25_SE2": 3041, "SALES_12_SE2": 3042, "SALES_6_SE2": 3043, "SALES_0_SE2": 3044,
    "SALESEUREV": 3108, "SALESEUREV2": 3308, "SALESEUVAT": 3106, "SALESEUVAT2": 3106,
    "SALESEXPORT": 3105, "SALESEXPORT2": 3305,
    "FREIGHT": 3520, "ADMFEE": 3540, "ROUNDOFF": 3740, "CUSTCLAIM": 1510,
    "OUTVAT_MP1": 2611, "OUTVAT_MP2": 2621, "OUTVAT_MP3": 2631, "INVAT": 2641, "SUPPDEBT": 2440,
    "CURRENCYWIN": 3960, "CURRENCYLOSS": 7960, "CASHDISCOUNTOUT": 3731,
}

# Which predefined sales account a customer's VATType falls back to (fortnox.md §6).
SALES_ACCOUNT_BY_VAT_TYPE = {
    "SEVAT": "SALES_25_SE",
    "SEREVERSEDVAT": "SALES_25_SE",
    "EUREVERSEDVAT": "SALESEUREV",
    "EUVAT": "SALESEUVAT",
    "EXPORT": "SALESEXPORT",
}

TERMS_OF_PAYMENT = {
    "0": ("Kontant", 0), "10": ("10 dagar", 10), "15": ("15 dagar", 15), "20": ("20 dagar", 20),
    "30": ("30 dagar", 30), "45": ("45 dagar", 45), "60": ("60 dagar", 60),
}

# code: (description, SEK per `unit` units)
CURRENCIES = {
    "SEK": ("Svenska kronor", Decimal("1"), 1),
    "EUR": ("Euro", Decimal("11.20"), 1),
    "USD": ("US Dollar", Decimal("10.40"), 1),
    "NOK": ("Norska kronor", Decimal("97.50"), 100),
    "DKK": ("Danska kronor", Decimal("150.20"), 100),
    "GBP": ("Brittiska pund", Decimal("13.10"), 1),
    "CHF": ("Schweizerfranc", Decimal("11.90"), 1),
}


def seed_tenant(tenant: Tenant, currencies) -> None:
    """Idempotent: rows that exist are left as they are."""
    accounts = {}
    for number, (description, vat_code, rate, sru) in ACCOUNTS.items():
        accounts[number], _ = Account.objects.get_or_create(
            tenant=tenant, number=number,
            defaults={"description": description, "vat_code": vat_code, "vat_rate": rate, "sru": sru},
        )
    for name, number in PREDEFINED_ACCOUNTS.items():
        PredefinedAccount.objects.get_or_create(tenant=tenant, name=name, defaults={"account": accounts[number]})
    for code, (description, days) in TERMS_OF_PAYMENT.items():
        TermsOfPayment.objects.get_or_create(
            tenant=tenant, code=code, defaults={"description": description, "days": days}
        )
    for code in currencies:
        description, rate, unit = CURRENCIES.get(code, (code, Decimal(1), 1))
        Currency.objects.get_or_create(
            tenant=tenant, code=code,
            defaults={"description": description, "buy_rate": rate, "sell_rate": rate, "unit": unit},
        )
    ensure_default_price_list(tenant)
