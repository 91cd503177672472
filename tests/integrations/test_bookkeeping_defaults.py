"""Default accounts come from Fortnox's predefined accounts where the API offers them."""

import pytest
import responses

from integrations.services.bookkeeping import read_bookkeeping_defaults
from mappings.services import bookkeeping_for
from tests import factories

pytestmark = pytest.mark.django_db


@responses.activate
def test_bookkeeping_defaults_are_read_from_fortnox_predefined_accounts():
    integration = factories.integration(factories.centra_connection(), factories.fortnox_connection())
    responses.get("https://api.fortnox.test/3/predefinedaccounts", json={"PreDefinedAccounts": [
        {"Name": "SALES_25_SE", "Account": 3011}, {"Name": "FREIGHT", "Account": 3521},
        {"Name": "SALESEXPORT", "Account": 3105}, {"Name": "CUSTCLAIM", "Account": 1510},
    ]})

    changed = read_bookkeeping_defaults(integration)

    assert changed == {"sales_account_25": 3011, "freight_account": 3521}
    bookkeeping = bookkeeping_for(integration)
    assert (bookkeeping.sales_account_25, bookkeeping.freight_account, bookkeeping.export_account) == (3011, 3521, 3105)
