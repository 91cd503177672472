"""From `seed_demo` to invoices, and the django-q2 entry points around a run."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django_q.brokers import get_broker
from django_q.models import Schedule

from integrations import queue, tasks
from integrations.flows.runner import run_flow
from integrations.models import Flow, Integration, SyncRecord, SyncRun
from sandbox import demo
from sandbox.centra.models import Store
from sandbox.fortnox import services as fortnox

pytestmark = pytest.mark.django_db(transaction=True)


def test_seeded_demo_turns_its_shipments_into_invoices_and_shows_its_failures(live_server):
    integration = demo.seed(live_server.url, fast=True)

    run = run_flow(integration.flows.get(kind=Flow.Kind.ORDERS))

    assert (run.status, run.created, run.failed) == ("partial", 5, 2)
    invoices = fortnox.invoices(fortnox.create_tenant("Demo Fashion AB"))
    assert len(invoices) == 5
    assert {i["Currency"] for i in invoices} == {"SEK", "EUR", "NOK"}
    failures = dict(SyncRecord.objects.filter(status="failed").values_list("error_code", "message"))
    assert set(failures) == {"unknown_sku", "invalid_article_number"}
    assert all(message for message in failures.values())


def test_seeding_twice_changes_nothing(live_server):
    demo.seed(live_server.url, fast=True)
    credentials = Integration.objects.get(slug="demo").target.credentials
    demo.seed(live_server.url, fast=True)

    assert Integration.objects.count() == 2  # the Fortnox shop and the Business Central shop
    assert Integration.objects.get(slug="demo").target.credentials == credentials


def test_seed_demo_command_queues_the_first_sync_in_dependency_order(live_server, capsys):
    call_command("seed_demo", "--site-url", live_server.url)

    out = capsys.readouterr().out
    assert "admin / junipeer-demo" in out
    assert "customers -> orders -> refunds" in out
    assert get_broker().queue_size() >= 1
    # what a new shop types in the wizard's first step, printed where `make run` shows it
    token = Store.objects.get(slug="getstarted").api_token
    assert f"{live_server.url}/sandbox/centra/getstarted and the API token {token}" in out
    assert "pick the Fortnox company Nordic Wool AB" in out
    assert not Integration.objects.filter(source__base_url__endswith="/getstarted").exists()  # its own, untouched


def test_demo_refunds_credit_the_returned_goods_after_the_orders_run(live_server):
    integration = demo.seed(live_server.url, fast=True)
    for kind in (Flow.Kind.CUSTOMERS, Flow.Kind.ORDERS):
        run_flow(integration.flows.get(kind=kind))

    refunds = run_flow(integration.flows.get(kind=Flow.Kind.REFUNDS))

    assert (refunds.created, refunds.failed) == (2, 0)
    credits = [i for i in fortnox.invoices(fortnox.create_tenant("Demo Fashion AB")) if i["Credit"] == "true"]
    assert {c["Currency"] for c in credits} == {"SEK", "EUR"}


def test_run_flow_task_runs_the_flow_and_reports_the_summary(live_server):
    integration = demo.seed(live_server.url, fast=True)
    flow = integration.flows.get(kind=Flow.Kind.ORDERS)

    assert tasks.run_flow_task(flow.pk).endswith("created=5 updated=0 skipped=0 failed=2")
    assert SyncRun.objects.get().trigger == "schedule"


def test_paused_integration_is_not_run_by_the_worker(live_server):
    integration = demo.seed(live_server.url, fast=True)
    Integration.objects.filter(pk=integration.pk).update(status=Integration.Status.PAUSED)

    assert "nothing to do" in tasks.run_flow_task(integration.flows.get(kind=Flow.Kind.ORDERS).pk)
    assert not SyncRun.objects.exists()


def test_due_flows_are_enqueued_once_and_not_while_recent(live_server):
    demo.seed(live_server.url, fast=True)
    enabled = list(Flow.objects.filter(enabled=True))  # both demo shops' flows
    assert tasks.run_due_flows() == len(enabled) >= 6
    for flow in enabled:
        run_flow(flow)
    assert tasks.run_due_flows() == 0  # each ran less than schedule_minutes ago


def test_worker_schedule_exists_after_migrate():
    assert Schedule.objects.filter(name=queue.DUE_FLOWS_SCHEDULE, func="integrations.tasks.run_due_flows").exists()


def test_task_retry_is_longer_than_its_timeout():
    """Else the broker hands a still-running task to a second worker."""
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]
