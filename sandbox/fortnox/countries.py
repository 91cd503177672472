"""Country names as Fortnox spells them: "Sverige" for Sweden, English names for the rest
(fortnox.md §5.2). A code missing here gives an empty name (SIMULATED: Fortnox's full list is
longer)."""

COUNTRY_NAMES = {
    "SE": "Sverige", "NO": "Norway", "DK": "Denmark", "FI": "Finland", "IS": "Iceland",
    "DE": "Germany", "AT": "Austria", "CH": "Switzerland", "NL": "Netherlands", "BE": "Belgium",
    "LU": "Luxembourg", "FR": "France", "ES": "Spain", "PT": "Portugal", "IT": "Italy",
    "IE": "Ireland", "GB": "United Kingdom", "PL": "Poland", "CZ": "Czech Republic",
    "SK": "Slovakia", "HU": "Hungary", "SI": "Slovenia", "HR": "Croatia", "RO": "Romania",
    "BG": "Bulgaria", "GR": "Greece", "CY": "Cyprus", "MT": "Malta", "EE": "Estonia",
    "LV": "Latvia", "LT": "Lithuania", "US": "United States", "CA": "Canada", "AU": "Australia",
    "NZ": "New Zealand", "JP": "Japan", "CN": "China", "IN": "India", "VA": "Holy See (Vatican City State)",
}

def country_name(code: str | None) -> str | None:
    if not code:
        return None
    return COUNTRY_NAMES.get(code.upper(), "")
