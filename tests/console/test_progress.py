"""A backfill's total is kept on the flow, so every staff user (and a reload) sees the same progress."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from integrations.models import Flow, SyncRun
from integrations.services import runs
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders():
    org = factories.organization("progress")
    integration = factories.integration(factories.centra_connection(org), factories.fortnox_connection(org))
    return integration.flows.get(kind=Flow.Kind.ORDERS)


def staff_client(name: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser(name, f"{name}@example.com", "pw-not-used"))
    return client


def test_the_backfill_total_confirmed_by_one_staff_user_shows_to_another(orders, monkeypatch):
    monkeypatch.setattr(runs, "enqueue_flow", lambda flow, trigger: "task")
    starter, colleague = staff_client("starter"), staff_client("colleague")

    answer = starter.post(f"/admin/integrations/flow/{orders.pk}/backfill/",
                          {"since": "2024-01-01", "counted": "7", "confirm": "yes"})
    assert answer.status_code == 302
    orders.refresh_from_db()
    assert orders.progress_total == 7
    SyncRun.objects.create(flow=orders, trigger="manual", status=SyncRun.Status.RUNNING, created=2, skipped=1)

    page = colleague.get(f"/admin/integrations/flow/{orders.pk}/progress/").content.decode()
    assert "3 of 7 record(s) done" in page
    bar = colleague.get(f"/admin/integrations/flow/{orders.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-valuenow="43"' in bar


def test_a_run_now_has_no_total_and_an_earlier_run_is_not_shown_as_its_progress(orders, monkeypatch):
    monkeypatch.setattr(runs, "enqueue_flow", lambda flow, trigger: "task")
    earlier = SyncRun.objects.create(flow=orders, trigger="schedule", status=SyncRun.Status.SUCCEEDED, created=5)
    SyncRun.objects.filter(pk=earlier.pk).update(started_at=timezone.now() - timezone.timedelta(hours=1))
    runs.export_many(orders, timezone.now() - timezone.timedelta(days=3), expected=4)

    runs.run_now(orders)

    orders.refresh_from_db()
    assert orders.progress_total is None
    page = staff_client("someone").get(f"/admin/integrations/flow/{orders.pk}/progress/").content.decode()
    assert "Waiting for a worker to start the run" in page


def test_a_tampered_count_is_no_500(orders, monkeypatch):
    monkeypatch.setattr(runs, "enqueue_flow", lambda flow, trigger: "task")
    answer = staff_client("starter").post(f"/admin/integrations/flow/{orders.pk}/backfill/",
                                          {"since": "2024-01-01", "counted": "lots", "confirm": "yes"})
    assert answer.status_code == 302
    orders.refresh_from_db()
    assert orders.progress_total is None
