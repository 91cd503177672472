"""Moving to OSS accounts per (country, rate) loses nothing that was configured."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mappings.models import OssAccount
from tests import factories

BEFORE = ("mappings", "0002_gift_card_skus")


@pytest.mark.django_db(transaction=True)
def test_each_oss_country_is_carried_over_as_one_account_per_rate():
    integration = factories.integration(factories.centra_connection(), factories.fortnox_connection())
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    OssCountry = executor.loader.project_state([BEFORE]).apps.get_model("mappings", "OssCountry")
    OssCountry.objects.create(integration_id=integration.pk, country_code="fr", sales_account=3054,
                              vat_rate=Decimal("20"), reduced_vat_rate=Decimal("5.5"))
    OssCountry.objects.create(integration_id=integration.pk, country_code="DE", sales_account=3051,
                              vat_rate=Decimal("19"))

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("mappings"))

    carried = {(a.country_code, a.vat_rate, a.sales_account, a.return_fee_account)
               for a in OssAccount.objects.filter(integration=integration)}
    # The reduced rate keeps the account the old setting booked it on: nothing changes until someone edits it.
    assert carried == {("FR", Decimal("20"), 3054, None), ("FR", Decimal("5.5"), 3054, None),
                       ("DE", Decimal("19"), 3051, None)}
