"""A new company as a Swedish BC partner sets one up: VAT posting groups (business x product,
including OSS groups per destination country), a BAS chart of accounts, currencies, countries,
units, payment terms (business-central.md §5.6-5.8, §6)."""

from decimal import Decimal

from . import records as store
from .models import Company

# VAT Product Posting Groups (taxGroups) by code -> display name.
TAX_GROUPS = {
    "VAT25": "Standard 25 %", "VAT12": "Reduced 12 %", "VAT6": "Reduced 6 %", "VAT0": "No VAT",
    "VAT19": "DE standard 19 %", "VAT7": "DE reduced 7 %", "VAT20": "FR standard 20 %", "VAT10": "Reduced 10 %",
    "VAT5.5": "FR reduced 5.5 %", "VAT21": "NL standard 21 %", "VAT9": "NL reduced 9 %",
    "VAT25.5": "FI standard 25.5 %", "VAT14": "FI reduced 14 %",
}
HOME = {"VAT25": 25, "VAT12": 12, "VAT6": 6, "VAT0": 0}
ZERO_RATED = {code: 0 for code in TAX_GROUPS}
# VAT Business Posting Groups (taxAreas) -> the VAT posting setup row per product group.
VAT_POSTING_SETUP = {
    "DOMESTIC": HOME,
    "EU": ZERO_RATED,  # EU B2B: reverse charge
    "EU-HOME": HOME,  # EU B2C without OSS: home VAT
    "EXPORT": ZERO_RATED,
    "OSS-DE": {"VAT19": 19, "VAT7": 7, "VAT0": 0},
    "OSS-FR": {"VAT20": 20, "VAT10": 10, "VAT5.5": 5.5, "VAT0": 0},
    "OSS-NL": {"VAT21": 21, "VAT9": 9, "VAT0": 0},
    "OSS-FI": {"VAT25.5": 25.5, "VAT14": 14, "VAT10": 10, "VAT0": 0},
    "OSS-DK": {"VAT25": 25, "VAT0": 0},
}
TAX_AREAS = {
    "DOMESTIC": "Domestic customers", "EU": "EU customers (reverse charge)", "EU-HOME": "EU consumers, home VAT",
    "EXPORT": "Customers outside the EU", "OSS-DE": "OSS Germany", "OSS-FR": "OSS France",
    "OSS-NL": "OSS Netherlands", "OSS-FI": "OSS Finland", "OSS-DK": "OSS Denmark",
}
# number, name, category, type, direct posting, default VAT product group
ACCOUNTS = [
    ("1510", "Kundfordringar", "Assets", "Posting", False, ""),
    ("2420", "Förskott från kunder (presentkort)", "Liabilities", "Posting", True, "VAT0"),
    ("2611", "Utgående moms på försäljning 25 %", "Liabilities", "Posting", False, ""),
    ("3000", "Rörelsens intäkter", "Income", "Heading", False, ""),
    ("3001", "Försäljning inom Sverige, 25 % moms", "Income", "Posting", True, "VAT25"),
    ("3002", "Försäljning inom Sverige, 12 % moms", "Income", "Posting", True, "VAT12"),
    ("3003", "Försäljning inom Sverige, 6 % moms", "Income", "Posting", True, "VAT6"),
    ("3004", "Försäljning inom Sverige, momsfri", "Income", "Posting", True, "VAT0"),
    ("3105", "Försäljning varor till land utanför EU", "Income", "Posting", True, "VAT0"),
    ("3108", "Försäljning varor till annat EU-land, momsfri", "Income", "Posting", True, "VAT0"),
    ("3520", "Fakturerade frakter", "Income", "Posting", True, "VAT25"),
    ("3540", "Faktureringsavgifter", "Income", "Posting", True, "VAT25"),
    ("3730", "Lämnade rabatter", "Income", "Posting", True, "VAT25"),
    ("3740", "Öres- och kronutjämning", "Income", "Posting", False, ""),
    ("3999", "Blockerat konto", "Income", "Posting", True, "VAT25"),
]
CURRENCIES = {"SEK": "Svensk krona", "EUR": "Euro", "NOK": "Norsk krone", "DKK": "Dansk krone", "USD": "US Dollar"}
COUNTRIES = ["SE", "NO", "DK", "FI", "DE", "FR", "NL", "BE", "AT", "ES", "IT", "PL", "IE", "PT", "GB", "US", "CH"]


def seed_company(company: Company) -> None:
    """Idempotent: registers that exist are left as they are."""
    if store.records(company, "taxGroups").exists():
        return
    for code, name in TAX_GROUPS.items():
        store.create(company, "taxGroups", {"code": code, "displayName": name, "taxType": "VAT"}, number_value=code)
    for code, name in TAX_AREAS.items():
        store.create(company, "taxAreas", {"code": code, "displayName": name, "taxType": "VAT"}, number_value=code)
    company.vat_posting_setup = {bus: {prod: float(Decimal(str(rate))) for prod, rate in setup.items()}
                                 for bus, setup in VAT_POSTING_SETUP.items()}
    company.save(update_fields=["vat_posting_setup"])
    for number, name, category, account_type, direct, tax_group in ACCOUNTS:
        store.create(company, "accounts", {
            "number": number, "displayName": name, "category": category, "subCategory": "",
            "blocked": number == "3999", "accountType": account_type, "directPosting": direct, "netChange": 0,
            "consolidationTranslationMethod": "Average Rate (Manual)", "_taxGroupCode": tax_group,
        }, number_value=number)
    for code, name in CURRENCIES.items():
        store.create(company, "currencies", {"code": code, "displayName": name, "symbol": code,
                                             "amountDecimalPlaces": "2:2", "amountRoundingPrecision": 0.01},
                     number_value=code)
    for code in COUNTRIES:
        store.create(company, "countriesRegions",
                     {"code": code, "displayName": code, "addressFormat": "Post Code+City"}, number_value=code)
    for code, name in (("PCS", "Piece"), ("BOX", "Box")):
        store.create(company, "unitsOfMeasure", {"code": code, "displayName": name, "internationalStandardCode": ""},
                     number_value=code)
    for code, days in (("30 DAYS", "30D"), ("14 DAYS", "14D"), ("PREPAID", "0D")):
        store.create(company, "paymentTerms", {"code": code, "displayName": code.title(), "dueDateCalculation": days,
                                               "discountDateCalculation": "", "discountPercent": 0,
                                               "calculateDiscountOnCreditMemos": False}, number_value=code)
    store.create(company, "generalProductPostingGroups", {"code": "RETAIL", "description": "Retail",
                                                          "defaultVATProductPostingGroup": "VAT25",
                                                          "autoInsertDefault": True}, number_value="RETAIL")
    store.create(company, "inventoryPostingGroups", {"code": "RESALE", "description": "Resale items"},
                 number_value="RESALE")
    store.create(company, "locations", {"code": "MAIN", "displayName": "Main warehouse"}, number_value="MAIN")
