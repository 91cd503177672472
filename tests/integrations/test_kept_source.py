"""Each sync record keeps the Centra record its run read, so people see what the mapping was given."""

import pytest

from integrations.flows.runner import run_flow
from integrations.models import SyncRecord

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_synced_and_a_failed_shipment_keep_the_centra_record_as_fetched(world):
    good = world.ship(world.order(("COAT", 1, "1500")))
    bad = world.ship(world.order(("SOCK", 1, "99")))  # no such article in Fortnox

    run_flow(world.flow)

    created = SyncRecord.objects.get(source_id=str(good.pk))
    failed = SyncRecord.objects.get(source_id=str(bad.pk))
    assert created.status == "created"
    assert failed.error_code == "unknown_sku"
    for record, shipment in ((created, good), (failed, bad)):
        assert record.source["shipment"]["id"] == shipment.pk
        assert str(record.source["order"]["number"]) == record.order_number
