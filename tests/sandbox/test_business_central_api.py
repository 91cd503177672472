"""The Business Central simulator behaves like BC's API v2.0 (business-central.md §9)."""

import json

import pytest

from sandbox import faults
from sandbox.business_central import services as bc
from sandbox.business_central.ratelimit import limits

API = "/sandbox/business_central/v2.0/contoso.example/production/api/v2.0"


@pytest.fixture(autouse=True)
def fresh_limits():
    limits.reset()
    yield
    limits.reset()


@pytest.fixture
def company(db):
    environment = bc.create_environment("contoso.example")
    company = bc.create_company(environment, "CRONUS SE", "CRONUS Sverige AB")
    bc.create_item(company, "COAT", "Wool Coat", inventory=10, unit_price=1500)
    return company


@pytest.fixture
def app(db):
    return bc.create_app("bc-client", "bc-secret", "contoso.example")


@pytest.fixture
def call(client, app, company):
    token = bc.issue_token(app)["access_token"]

    def send(method, path, body=None, **headers):
        url = path if path.startswith("http") or path.startswith("/") else f"{API}/companies({company.id})/{path}"
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        return getattr(client, method.lower())(url, data=json.dumps(body) if body is not None else None,
                                               content_type="application/json",
                                               HTTP_AUTHORIZATION=f"Bearer {token}", **extra)
    return send


def error_code(response) -> str:
    return response.json()["error"]["code"]


def customer(call, **fields):
    answer = call("POST", "customers", {"displayName": "Anna Berg", "email": "anna@example.com", **fields})
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_client_credentials_give_a_bearer_token_without_refresh_token(client, app):
    answer = client.post("/sandbox/business_central/contoso.example/oauth2/v2.0/token", {
        "grant_type": "client_credentials", "client_id": "bc-client", "client_secret": "bc-secret",
        "scope": "https://api.businesscentral.dynamics.com/.default"})

    body = answer.json()
    assert (answer.status_code, body["token_type"], body["expires_in"]) == (200, "Bearer", 3599)
    assert "refresh_token" not in body


def test_a_wrong_client_secret_is_invalid_client(client, app):
    answer = client.post("/sandbox/business_central/contoso.example/oauth2/v2.0/token", {
        "grant_type": "client_credentials", "client_id": "bc-client", "client_secret": "nope",
        "scope": "https://api.businesscentral.dynamics.com/.default"})

    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_calls_without_a_valid_token_are_refused_with_the_envelope(client, company):
    answer = client.get(f"{API}/companies")

    assert answer.status_code == 401
    assert error_code(answer) == "Authentication_InvalidCredentials"
    assert "  CorrelationId:  " in answer.json()["error"]["message"]


def test_an_app_not_enabled_in_business_central_is_refused_though_its_token_is_valid(call, app):
    app.enabled_in_bc = False
    app.save()

    assert call("GET", f"{API}/companies").status_code == 401


def test_companies_are_listed_and_the_tenant_may_be_left_out_of_the_url(call, company):
    with_tenant = call("GET", f"{API}/companies").json()["value"]
    without = call("GET", "/sandbox/business_central/v2.0/production/api/v2.0/companies").json()["value"]

    assert [c["name"] for c in with_tenant] == [c["name"] for c in without] == ["CRONUS SE"]


def test_a_customer_gets_a_number_from_the_series_and_code_fields_are_upper_case(call):
    created = customer(call, country="se", postalCode="111 22")

    assert created["number"].startswith("C")
    assert (created["country"], created["postalCode"]) == ("SE", "111 22")
    assert created["@odata.etag"].startswith('W/"')


def test_an_over_long_string_is_rejected_not_truncated(call):
    answer = call("POST", "customers", {"displayName": "Anna", "city": "x" * 31})

    assert (answer.status_code, error_code(answer)) == (400, "Application_StringExceededLength")
    assert "must be less than or equal to 30 characters" in answer.json()["error"]["message"]


def test_a_duplicate_customer_number_is_entity_with_same_key_exists(call):
    customer(call, number="WEB-SE")

    answer = call("POST", "customers", {"number": "web-se", "displayName": "Again"})

    assert error_code(answer) == "Internal_EntityWithSameKeyExists"


def test_patch_needs_if_match_and_a_stale_etag_is_entity_changed(call):
    created = customer(call)
    path = f"customers({created['id']})"

    missing = call("PATCH", path, {"city": "Lund"})
    updated = call("PATCH", path, {"city": "Lund"}, **{"If-Match": created["@odata.etag"]})
    stale = call("PATCH", path, {"city": "Malmö"}, **{"If-Match": created["@odata.etag"]})

    assert (missing.status_code, error_code(missing)) == (400, "BadRequest_InvalidToken")
    assert updated.status_code == 200
    assert updated.json()["@odata.etag"] != created["@odata.etag"]
    assert (stale.status_code, error_code(stale)) == (409, "Request_EntityChanged")


def test_filters_are_case_sensitive_and_lists_page_with_next_links(call):
    for number in range(5):
        customer(call, email=f"buyer{number}@example.com")

    exact = call("GET", "customers?$filter=email eq 'buyer3@example.com'").json()["value"]
    other_case = call("GET", "customers?$filter=email eq 'BUYER3@example.com'").json()["value"]
    first = call("GET", "customers", Prefer="odata.maxpagesize=2").json()
    seen = [c["email"] for c in first["value"]]
    link = first.get("@odata.nextLink")
    while link:
        page = call("GET", link.replace("http://testserver", ""), Prefer="odata.maxpagesize=2").json()
        seen += [c["email"] for c in page["value"]]
        link = page.get("@odata.nextLink")

    assert [c["email"] for c in exact] == ["buyer3@example.com"]
    assert other_case == []
    assert len(first["value"]) == 2
    assert seen == [f"buyer{n}@example.com" for n in range(5)]


def test_a_bad_filter_is_a_query_syntax_error(call):
    answer = call("GET", "customers?$filter=email eq")

    assert (answer.status_code, error_code(answer)) == (400, "BadRequest_NotFound")


def invoice(call, buyer, reference="web-1001", quantity=2, **extra):
    answer = call("POST", "salesInvoices", {
        "customerId": buyer["id"], "externalDocumentNumber": reference, **extra,
        "salesInvoiceLines": [{"lineType": "Item", "lineObjectNumber": "COAT", "quantity": quantity,
                               "unitPrice": 1500, "taxCode": "VAT25"}]})
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_draft_invoice_is_posted_under_the_same_id_with_a_posted_number(call, company):
    buyer = customer(call)
    draft = invoice(call, buyer)

    posted = call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.post")
    after = call("GET", f"salesInvoices({draft['id']})").json()

    assert (draft["status"], draft["externalDocumentNumber"], draft["totalAmountIncludingTax"]) == (
        "Draft", "WEB-1001", 3000.0)
    assert posted.status_code == 204
    assert posted.content == b""
    assert (after["id"], after["status"], after["remainingAmount"]) == (draft["id"], "Open", 3000.0)
    assert after["number"].startswith("PS-INV")
    assert after["number"] != draft["number"]
    assert bc.item(company, "COAT")["inventory"] == 8
    assert [e["quantity"] for e in bc.ledger_entries(company)][-1] == -2


def test_posting_twice_is_refused(call):
    draft = invoice(call, customer(call))
    call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.post")

    again = call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.post")

    assert (again.status_code, error_code(again)) == (400, "Application_DialogException")
    assert "draft invoice only" in again.json()["error"]["message"]


def test_prevent_negative_inventory_refuses_posting_more_than_in_stock(call, company):
    company.prevent_negative_inventory = True
    company.save()
    draft = invoice(call, customer(call), quantity=11)

    answer = call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.post")

    assert "insufficient quantity of Item COAT" in answer.json()["error"]["message"]


def test_an_unknown_item_and_a_missing_customer_are_dialog_errors(call):
    no_item = call("POST", "salesInvoices", {"customerNumber": customer(call)["number"], "salesInvoiceLines": [
        {"lineType": "Item", "lineObjectNumber": "GHOST", "quantity": 1}]})
    no_customer = call("POST", "salesInvoices", {"externalDocumentNumber": "x"})

    assert no_item.json()["error"]["message"].startswith("Item does not exist.")
    assert "customerNumber" in no_customer.json()["error"]["message"]


def test_a_credit_memo_applies_to_its_posted_invoice_and_lowers_what_is_open(call):
    buyer = customer(call)
    draft = invoice(call, buyer)
    call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.post")

    credit = call("POST", "salesCreditMemos", {
        "customerId": buyer["id"], "invoiceId": draft["id"], "externalDocumentNumber": "web-r-1",
        "salesCreditMemoLines": [{"lineType": "Item", "lineObjectNumber": "COAT", "quantity": 1, "unitPrice": 1500,
                                  "taxCode": "VAT25"}]}).json()
    call("POST", f"salesCreditMemos({credit['id']})/Microsoft.NAV.post")

    assert credit["invoiceId"] == draft["id"]
    assert call("GET", f"salesInvoices({draft['id']})").json()["remainingAmount"] == 1500.0
    assert call("GET", f"salesCreditMemos({credit['id']})").json()["status"] == "Paid"


def test_a_credit_memo_of_a_draft_invoice_is_refused(call):
    buyer = customer(call)
    draft = invoice(call, buyer)

    answer = call("POST", "salesCreditMemos", {"customerId": buyer["id"], "invoiceId": draft["id"]})

    assert 'The "invoiceId" does not match to an Invoice.' in answer.json()["error"]["message"]


def test_a_corrective_credit_memo_is_refused_once_the_invoice_is_partly_credited(call):
    buyer = customer(call)
    draft = invoice(call, buyer)
    call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.post")
    call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.makeCorrectiveCreditMemo")

    cancel = call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.cancel")

    assert cancel.status_code == 204  # the corrective draft is not posted yet: the invoice is still wholly open
    assert call("GET", f"salesInvoices({draft['id']})").json()["status"] == "Canceled"
    again = call("POST", f"salesInvoices({draft['id']})/Microsoft.NAV.makeCorrectiveCreditMemo")
    assert "already been cancelled" in again.json()["error"]["message"]


def test_inventory_cannot_be_set_on_insert_and_a_patch_posts_an_adjustment(call, company):
    refused = call("POST", "items", {"number": "HAT", "displayName": "Hat", "inventory": 3})
    item = call("POST", "items", {"number": "hat", "displayName": "Hat"}).json()

    call("PATCH", f"items({item['id']})", {"inventory": 4}, **{"If-Match": "*"})

    assert refused.json()["error"]["message"].startswith("Inventory cannot be changed during on insert.")
    assert item["number"] == "HAT"
    entries = call("GET", "itemLedgerEntries?$filter=itemNumber eq 'HAT'").json()["value"]
    assert [(e["entryType"], e["quantity"]) for e in entries] == [("Positive Adjmt.", 4)]


def test_item_ledger_entries_number_upwards_and_filter_by_entry_number(call, company):
    bc.adjust_inventory(company, "COAT", 5)
    bc.adjust_inventory(company, "COAT", -1)
    entries = call("GET", "itemLedgerEntries?$orderby=entryNumber").json()["value"]

    later = call("GET", f"itemLedgerEntries?$filter=entryNumber gt {entries[0]['entryNumber']}").json()["value"]

    assert [e["entryNumber"] for e in entries] == sorted(e["entryNumber"] for e in entries)
    assert [e["quantity"] for e in later] == [5, -1]


def test_accounts_and_posting_groups_are_read_only_lookups(call):
    accounts = call("GET", "accounts?$filter=number eq '3520'").json()["value"]
    vat_products = {g["code"] for g in call("GET", "taxGroups").json()["value"]}
    vat_business = {g["code"] for g in call("GET", "taxAreas").json()["value"]}

    assert accounts[0]["accountType"] == "Posting"
    assert {"VAT25", "VAT12", "VAT6", "VAT0"} <= vat_products
    assert {"DOMESTIC", "EU", "EXPORT", "OSS-DE"} <= vat_business
    assert call("POST", "accounts", {"number": "9999"}).status_code == 405


def test_a_deadlock_answers_409_and_applies_nothing(call, company):
    environment = company.environment
    environment.next_deadlocks = 1
    environment.save()

    answer = call("POST", "customers", {"displayName": "Deadlocked"})

    assert (answer.status_code, error_code(answer)) == (409, "Internal_ServerError")
    assert bc.customers(company) == []


def test_the_rate_limit_window_answers_429(call, company):
    environment = company.environment
    environment.rate_limit_requests = 2
    environment.save()

    statuses = [call("GET", "customers").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_a_lost_response_commits_the_write(call, company):
    faults.set_faults("business_central", next_lost_response=1)

    answer = call("POST", "customers", {"displayName": "Lost"})

    assert answer.status_code == 504
    assert [c["displayName"] for c in bc.customers(company)] == ["Lost"]
