"""Every change in the console leaves who, what and when; secrets never appear in it."""

import pytest
from django.contrib.admin.models import LogEntry

from integrations.models import Flow
from tests import factories

pytestmark = pytest.mark.django_db


def test_changing_a_credential_is_audited_without_its_value(admin_client, admin_user):
    connection = factories.centra_connection()
    data = {"organization": connection.organization_id, "name": connection.name, "kind": "centra",
            "base_url": connection.base_url, "auth_url": "", "settings": "{}", "api_token": "brand-new-secret-token"}

    response = admin_client.post(f"/admin/integrations/connection/{connection.pk}/change/", data)

    assert response.status_code == 302
    entry = LogEntry.objects.get(user=admin_user, object_id=str(connection.pk))
    assert "Centra API token" in entry.get_change_message()
    assert "brand-new-secret-token" not in entry.change_message
    page = admin_client.get("/admin/admin/logentry/").content.decode()
    assert "Centra API token" in page


def test_pausing_a_flow_is_audited(admin_client, admin_user):
    integration = factories.integration(factories.centra_connection(), factories.fortnox_connection())
    flow = integration.flows.get()
    data = {"integration": integration.pk, "kind": "orders", "enabled": "", "trigger": flow.trigger,
            "schedule_minutes": 5, "batch_size": 50, "options": "{}"}

    response = admin_client.post(f"/admin/integrations/flow/{flow.pk}/change/", data)

    assert response.status_code == 302
    assert not Flow.objects.get(pk=flow.pk).enabled
    assert "Enabled" in LogEntry.objects.get(object_id=str(flow.pk)).get_change_message()
