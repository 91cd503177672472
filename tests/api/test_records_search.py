"""The API's record search is the console's and /app/'s (integrations.selectors.records): the same
number, e-mail or return id finds the same records in every surface."""

import pytest

from integrations.models import SyncRecord, SyncRun
from integrations.selectors.records import search_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(agency):
    api, _, ours = agency
    run = SyncRun.objects.get(flow__integration=ours)
    make = lambda **fields: SyncRecord.objects.create(run=run, integration=ours, status="created", **fields)  # noqa: E731
    make(object_type="invoice", source_id="88", source_ref="10001-1", order_number="10001", target_id="501",
         customer_email="anna@example.com")
    make(object_type="invoice", source_id="89", source_ref="10001-2", order_number="10001", target_id="502",
         customer_email="anna@example.com")
    make(object_type="credit_invoice", source_id="315", source_ref="R315", order_number="10001", target_id="9001")
    make(object_type="invoice", source_id="90", source_ref="10002-1", order_number="10002", target_id="503",
         customer_email="bo@example.com")
    return api, ours


@pytest.mark.parametrize(("term", "refs"), [
    ("10001", {"10001-1", "10001-2", "R315"}),  # an order: its invoices and its credit invoice
    ("10001-2", {"10001-2"}),  # a shipment
    ("ANNA@example.com ", {"10001-1", "10001-2"}),  # an e-mail, as people type it
    ("R315", {"R315"}),  # a return
    ("503", {"10002-1"}),  # the ERP's document number
    ("1000", set()),  # exact, never a prefix: an index seek on a million records
])
def test_the_api_finds_what_the_console_finds(log, term, refs):
    api, ours = log

    found = {r["source_ref"] for r in api.get("/api/v1/integrations/ours/records/", {"search": term}).json()["results"]}

    console = {r.source_ref for r in search_records(SyncRecord.objects.filter(integration=ours), term)}
    assert found == console == refs
