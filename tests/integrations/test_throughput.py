"""Work per invoice: Fortnox registers kept across runs, and what invalidates them."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import responses

from integrations.connections import erp_for
from integrations.connectors.fortnox import registers
from integrations.domain.documents import Customer, Invoice
from integrations.domain.errors import SyncError
from tests import factories

pytestmark = pytest.mark.django_db
API = "https://api.fortnox.test/3"


@pytest.fixture
def fortnox_connection():
    connection = factories.fortnox_connection()
    registers.forget(f"connection:{connection.pk}")
    yield connection
    registers.forget(f"connection:{connection.pk}")


@responses.activate
def test_articles_and_currencies_are_read_once_across_runs(fortnox_connection):
    responses.get(f"{API}/articles/TEE-M", json={"Article": {"ArticleNumber": "TEE-M"}})
    responses.get(f"{API}/currencies", json={"Currencies": [{"Code": "EUR"}], "MetaInformation": {"@TotalPages": 1}})

    first_run, next_run = erp_for(fortnox_connection), erp_for(fortnox_connection)
    assert first_run.article_exists("TEE-M")
    assert first_run.has_currency("EUR")
    assert next_run.article_exists("TEE-M")
    assert next_run.has_currency("EUR")

    assert len(responses.calls) == 2  # one read each, the second run asked nothing


@responses.activate
def test_a_currency_missing_from_what_was_kept_is_asked_again(fortnox_connection):
    responses.get(f"{API}/currencies", json={"Currencies": [], "MetaInformation": {"@TotalPages": 1}})
    responses.get(f"{API}/currencies", json={"Currencies": [{"Code": "NOK"}], "MetaInformation": {"@TotalPages": 1}})

    assert erp_for(fortnox_connection).has_currency("SEK")
    assert erp_for(fortnox_connection).has_currency("NOK")  # added in Fortnox since: found, not refused


@responses.activate
def test_a_missing_article_is_asked_again_by_the_next_run(fortnox_connection):
    responses.get(f"{API}/articles/NEW-1", status=404, json={"ErrorInformation": {"Code": 2000428, "Message": "x"}})
    responses.get(f"{API}/articles/NEW-1", json={"Article": {"ArticleNumber": "NEW-1"}})

    assert not erp_for(fortnox_connection).article_exists("NEW-1")
    assert erp_for(fortnox_connection).article_exists("NEW-1")  # created in Fortnox between the runs


@responses.activate
def test_an_invoice_refused_for_an_unknown_article_drops_the_kept_articles(fortnox_connection):
    key = f"connection:{fortnox_connection.pk}"
    registers.put(key, "articles", frozenset({"GONE-1"}))
    responses.post(f"{API}/invoices", status=400,
                   json={"ErrorInformation": {"code": 2000428, "message": "Artikel hittades inte"}})
    erp = erp_for(fortnox_connection)

    buyer = Customer(source_id="1", email="ann@example.com", name="Ann")
    invoice = Invoice(external_reference="centra-shipment-1", customer=buyer, currency="SEK",
                      invoice_date=date(2026, 1, 2), rows=[])

    with pytest.raises(SyncError) as refused:
        erp.create_invoice(invoice, "1")

    assert refused.value.code == "unknown_sku"
    assert registers.get(key, "articles") is None


def slow_article(request):
    time.sleep(0.05)  # long enough for every thread to be asking at once
    number = request.url.rsplit("/", 1)[-1]
    return 200, {}, json.dumps({"Article": {"ArticleNumber": number}})


@pytest.mark.django_db(transaction=True)  # the threads take rate-limit slots on their own connections
@responses.activate
def test_articles_found_by_a_run_s_threads_at_once_are_all_kept_for_the_next_run(fortnox_connection):
    numbers = [f"TEE-{size}" for size in ("XS", "S", "M", "L", "XL", "XXL")]
    for number in numbers:
        responses.add_callback(responses.GET, f"{API}/articles/{number}", callback=slow_article)
    run = erp_for(fortnox_connection)

    with ThreadPoolExecutor(len(numbers)) as threads:
        assert all(threads.map(run.article_exists, numbers))
    next_run = erp_for(fortnox_connection)

    assert all(next_run.article_exists(number) for number in numbers)
    assert len(responses.calls) == len(numbers)  # one look-up each; the next run asked nothing


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_threads_needing_the_same_unknown_article_send_one_look_up(fortnox_connection):
    responses.add_callback(responses.GET, f"{API}/articles/TEE-M", callback=slow_article)
    run = erp_for(fortnox_connection)

    with ThreadPoolExecutor(6) as threads:
        assert all(threads.map(run.article_exists, ["TEE-M"] * 6))

    assert len(responses.calls) == 1
