"""A customer's erasure request removes their name, e-mail, addresses and phone numbers from every
table of the engine, and leaves ids, amounts and codes, so the books and the sync log still add up."""

import json
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client

from integrations.alerts import open_alert
from integrations.connections import set_credentials
from integrations.erasure import MARK, Scrubber, Subject, erase_customer
from integrations.flows.runner import run_flow
from integrations.models import Alert, Flow, RecordLink, SyncRecord, SyncRun, WebhookEvent
from integrations.webhooks import webhook_path
from sandbox.centra import services as centra
from sandbox.centra.webhooks import encode_body, sign

pytestmark = pytest.mark.django_db(transaction=True)

ANNA = "anna.lindqvist@example.com"
ANNA_BILLING = {"firstName": "Anna", "lastName": "Lindqvist", "address1": "Vasagatan 7", "city": "Uppsala",
                "zipCode": "75320", "phoneNumber": "+46701112233"}
ANNA_TRACES = [ANNA, ANNA.replace("@", "%40"), "Anna Lindqvist", "Lindqvist", "Vasagatan", "+46701112233", "Uppsala"]
ZED = "zed.quist@example.com"
SECRET = "webhook-secret-of-the-shop"
ENGINE_TABLES = [SyncRecord, SyncRun, WebhookEvent, RecordLink, Alert]


def stored_text(model) -> str:
    """Every text and JSON column of every row of `model`, as one string."""
    columns = [f.name for f in model._meta.fields
               if isinstance(f, models.CharField | models.TextField | models.JSONField)]
    return json.dumps(list(model.objects.values_list(*columns)), ensure_ascii=False, default=str)


def traces_of_anna() -> dict[str, list[str]]:
    found = {}
    for model in ENGINE_TABLES:
        text = stored_text(model).lower()
        hits = [trace for trace in ANNA_TRACES if trace.lower() in text]
        if hits:
            found[model.__name__] = hits
    return found


def figures():
    """What must survive an erasure: ids, amounts, codes and the run figures."""
    invoice_totals = sorted(
        exchange["body"]["Invoice"]["Total"]
        for record in SyncRecord.objects.exclude(response=None) for exchange in record.response
        if isinstance(exchange.get("body"), dict) and "Invoice" in exchange["body"]
    )
    return {
        "records": sorted(SyncRecord.objects.values_list("pk", "object_type", "source_id", "target_id", "status",
                                                         "error_code")),
        "runs": sorted(SyncRun.objects.values_list("pk", "created", "updated", "skipped", "failed", "status")),
        "links": sorted(RecordLink.objects.exclude(object_type="customer")
                        .values_list("object_type", "source_id", "target_id", "fingerprint")),
        "customer links": sorted(RecordLink.objects.filter(object_type="customer").values_list("target_id")),
        "invoice totals": invoice_totals,
    }


@pytest.fixture
def two_customers(world):
    """Anna orders twice (the second invoice names her only by customer number) and Zed once."""
    set_credentials(world.integration.source, webhook_secret=SECRET)
    world.ship(world.order(("COAT", 1, "1500"), email=ANNA, billing=ANNA_BILLING))
    world.ship(world.order(("SCARF", 2, "149"), email=ZED, billing={"firstName": "Zed", "lastName": "Quist"}))
    run_flow(world.flow)
    world.ship(world.order(("SHIRT", 1, "499"), email=ANNA, billing=ANNA_BILLING))
    run_flow(world.flow)
    # A signed webhook Centra sent that we could not read, quoting her address (URL-encoded) ...
    body = encode_body([{"type": "customer", "id": 7, "email": ANNA}])  # no action: refused, kept
    Client().post(webhook_path(world.integration), body, content_type="application/x-www-form-urlencoded",
                  HTTP_X_CENTRA_SIGNATURE=sign(SECRET, int(time.time()), body))
    # ... and an alert that quotes it.
    open_alert(Alert.Kind.RECORDS_DEAD, "records-dead:anna", "Records out of retries",
               f"The invoice for {ANNA} could not be sent.", integration=world.integration)
    return world


def test_erasure_removes_a_customers_personal_data_everywhere_and_keeps_amounts(two_customers, admin_user):
    assert set(traces_of_anna()) == {"SyncRecord", "RecordLink", "WebhookEvent", "Alert"}
    before = figures()

    report = erase_customer(email=ANNA, user=admin_user)

    assert traces_of_anna() == {}
    assert figures() == before
    assert before["invoice totals"] == [298, 499, 1500]
    everything = "".join(stored_text(model) for model in ENGINE_TABLES)
    assert ZED in everything  # someone else's data stays
    assert "Zed Quist" in everything
    assert MARK in stored_text(RecordLink)
    assert (report.counts["sync records"], report.counts["record links"], report.counts["webhook events"],
            report.counts["alerts"]) == (2, 1, 1, 1)
    [entry] = LogEntry.objects.filter(user=admin_user)
    assert "Erased the personal data" in entry.change_message
    assert "sync records 2" in entry.change_message
    assert not any(trace.lower() in entry.change_message.lower() for trace in ANNA_TRACES)


def test_erasing_twice_finds_nothing_more(two_customers, admin_user):
    erase_customer(email=ANNA, user=admin_user)

    again = erase_customer(email=ANNA, user=admin_user)

    assert again.values == 0
    assert sum(again.counts.values()) == 0


def test_a_later_order_from_an_erased_guest_is_matched_not_duplicated(two_customers, admin_user):
    erase_customer(email=ANNA, user=admin_user)
    world = two_customers
    customers_before = len(world.customers())

    world.ship(world.order(("COAT", 1, "1500"), email=ANNA, billing=ANNA_BILLING))
    run = run_flow(world.flow)

    assert (run.created, run.failed) == (1, 0)
    assert len(world.customers()) == customers_before  # found again in Fortnox by e-mail


def test_the_dry_run_says_what_would_change_and_changes_nothing(two_customers, capsys):
    before = {model.__name__: stored_text(model) for model in ENGINE_TABLES}

    call_command("erase_customer", ANNA, "--dry-run")

    output = capsys.readouterr().out
    assert "sync records: 2 row(s) would change" in output
    assert "record links: 1 row(s) would change" in output
    assert {model.__name__: stored_text(model) for model in ENGINE_TABLES} == before
    assert not LogEntry.objects.exists()


def test_the_command_erases_for_a_named_staff_member(two_customers, admin_user, capsys):
    with pytest.raises(CommandError, match="--by"):
        call_command("erase_customer", ANNA)

    call_command("erase_customer", ANNA, "--by", admin_user.username)

    assert "sync records: 2 row(s) changed" in capsys.readouterr().out
    assert traces_of_anna() == {}
    assert LogEntry.objects.filter(user=admin_user).count() == 1


def test_erasure_by_centra_customer_id_finds_their_emails_old_and_new(world, admin_user):
    buyer = centra.create_customer(world.store, "old.address@example.com", "Anna", "Lindqvist")
    customers, _ = Flow.objects.update_or_create(integration=world.integration, kind=Flow.Kind.CUSTOMERS,
                                                 defaults={"enabled": True})
    run_flow(customers)
    buyer.email = ANNA
    buyer.save()
    run_flow(customers)
    assert "old.address@example.com" in stored_text(SyncRecord)

    erase_customer(centra_customer_id=str(buyer.pk), user=admin_user)

    everything = "".join(stored_text(model) for model in ENGINE_TABLES).lower()
    assert "old.address@example.com" not in everything
    assert ANNA not in everything
    assert "lindqvist" not in everything
    link = RecordLink.objects.get(object_type="customer")
    assert link.source_id == f"centra-customer-{buyer.pk}"  # an id: kept
    assert link.target_id  # the ERP customer number: kept
    [entry] = LogEntry.objects.all()
    assert f"Centra customer {buyer.pk}" in entry.change_message


def test_an_erasure_needs_someone_to_answer_for_it(world):
    with pytest.raises(ValueError, match="staff user"):
        erase_customer(email=ANNA)
    with pytest.raises(ValueError, match="e-mail"):
        erase_customer(dry_run=True)


def test_a_body_loses_names_emails_addresses_and_phones_but_keeps_ids_amounts_and_codes():
    subject = Subject(emails={ANNA}, numbers={1: {"17"}})
    body = [
        {"method": "GET", "url": f"https://api.fortnox.test/3/customers?email={ANNA.replace('@', '%40')}"},
        {"method": "POST", "body": {"Invoice": {
            "CustomerNumber": "17", "YourReference": "Anna Lindqvist", "DeliveryAddress1": "Vasagatan 7",
            "DeliveryZipCode": "75320", "Phone1": "+46701112233", "Total": 1500, "Currency": "SEK",
            "ExternalInvoiceReference1": "centra-shipment-9", "Remarks": "For Anna Lindqvist, by hand",
            "InvoiceRows": [{"ArticleNumber": "COAT", "Description": "Wool Coat", "Price": 1500}],
        }}},
        {"status": 200, "body": {"Customers": [
            {"CustomerNumber": "17", "Name": "Anna Lindqvist", "Email": ANNA},
            {"CustomerNumber": "18", "Name": "Zed Quist", "Email": ZED},
        ]}},
    ]
    Scrubber(subject, 1, learning=True).json(body)  # first learn her names and addresses

    scrubbed = Scrubber(subject, 1).json(body)

    invoice = scrubbed[1]["body"]["Invoice"]
    assert scrubbed[0]["url"] == f"https://api.fortnox.test/3/customers?email={MARK}"
    assert {key: invoice[key] for key in ("YourReference", "DeliveryAddress1", "DeliveryZipCode", "Phone1")} == {
        "YourReference": MARK, "DeliveryAddress1": MARK, "DeliveryZipCode": MARK, "Phone1": MARK}
    assert invoice["Remarks"] == f"For {MARK}, by hand"
    assert (invoice["CustomerNumber"], invoice["Total"], invoice["Currency"], invoice["ExternalInvoiceReference1"]) == (
        "17", 1500, "SEK", "centra-shipment-9")
    assert invoice["InvoiceRows"] == [{"ArticleNumber": "COAT", "Description": "Wool Coat", "Price": 1500}]
    anna, zed = scrubbed[2]["body"]["Customers"]
    assert anna == {"CustomerNumber": "17", "Name": MARK, "Email": MARK}
    assert zed == {"CustomerNumber": "18", "Name": "Zed Quist", "Email": ZED}  # another person in the same list

