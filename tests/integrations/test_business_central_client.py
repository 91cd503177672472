"""The Business Central client: Entra tokens cached in the connection, OData pages, etags, and every
kind of error envelope read as a catalog code with advice (HTTP mocked with `responses`)."""

from datetime import date
from urllib.parse import parse_qs

import pytest
import responses

from integrations.connections import erp_for
from integrations.connectors.http import RetryPolicy
from integrations.domain.documents import Customer, Invoice
from integrations.domain.errors import SyncError
from integrations.models import Connection
from tests import factories

pytestmark = pytest.mark.django_db
COMPANY = "11111111-2222-3333-4444-555555555555"
API = f"https://api.businesscentral.test/v2.0/contoso.example/production/api/v2.0/companies({COMPANY})"
TOKEN_URL = "https://login.microsoftonline.test/contoso.example/oauth2/v2.0/token"
ETAG = 'W/"JzE5OzE7MDA7Jw=="'


def envelope(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": f"{message}  CorrelationId:  10b3fa85-1752-4f79-9836-33c6352b0995."}}


def token(n: int = 1) -> dict:
    return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": f"bc-access-{n}"}


@pytest.fixture
def connection():
    return factories.business_central_connection(company_id=COMPANY)


def adapter(connection):
    return erp_for(connection, sleep=lambda seconds: None, retry=RetryPolicy(max_attempts=3, backoff_base=0.0))


def customer_list(*numbers, next_link=None):
    body = {"value": [{"@odata.etag": ETAG, "id": f"id-{n}", "number": n, "email": "a@example.com"} for n in numbers]}
    if next_link:
        body["@odata.nextLink"] = next_link
    return body


@responses.activate
def test_the_client_credentials_token_is_fetched_once_and_kept_in_the_connection(connection):
    responses.post(TOKEN_URL, json=token(1))
    responses.get(f"{API}/customers", json=customer_list("C00010"))

    adapter(connection).find_customers_by_email("a@example.com")
    adapter(Connection.objects.get(pk=connection.pk)).find_customers_by_email("a@example.com")

    token_calls = [call for call in responses.calls if call.request.url == TOKEN_URL]
    assert len(token_calls) == 1  # the second adapter (another worker) reuses the stored token
    form = parse_qs(token_calls[0].request.body)
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["https://api.businesscentral.dynamics.com/.default"]
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer bc-access-1"
    stored = Connection.objects.get(pk=connection.pk).credentials
    assert (stored["access_token"], stored["refresh_token"]) == ("bc-access-1", "")


@responses.activate
def test_a_401_fetches_a_new_token_once_and_retries(connection):
    responses.post(TOKEN_URL, json=token(1))
    responses.post(TOKEN_URL, json=token(2))
    responses.get(f"{API}/customers", status=401, json=envelope("Authentication_InvalidCredentials",
                                                                "The server has rejected the client credentials."))
    responses.get(f"{API}/customers", json=customer_list("C00010"))

    assert adapter(connection).find_customers_by_email("a@example.com") == ["C00010"]
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer bc-access-2"


@pytest.mark.parametrize(("status", "error", "description", "says"), [
    (401, "invalid_client", "AADSTS7000215: Invalid client secret provided.",
     "Microsoft Entra refused the client secret: paste the Value (not the Secret ID)"),
    (401, "invalid_client", "AADSTS7000222: The provided client secret keys for app 'x' are expired.",
     "The client secret has expired"),
    (400, "invalid_request", "AADSTS90002: Tenant 'contoso.example' not found.",
     "Microsoft Entra knows no tenant 'contoso.example'"),
    (400, "unauthorized_client", "AADSTS700016: Application with identifier 'x' was not found in the directory.",
     "found no app with client id"),
    (400, "invalid_request", "AADSTS50000: Something else.", "that an administrator of the tenant gave the app"),
])
@responses.activate
def test_each_refused_credential_is_auth_expired_saying_which_one_to_fix(connection, status, error, description,
                                                                          says):
    responses.post(TOKEN_URL, status=status, json={"error": error, "error_description": description})

    with pytest.raises(SyncError) as refused:
        adapter(connection).find_customers_by_email("a@example.com")

    assert refused.value.code == "auth_expired"
    assert says in refused.value.message
    assert description in refused.value.message  # Entra's own words stay, for support


@responses.activate
def test_an_app_entra_accepts_but_business_central_refuses_says_to_enable_its_card(connection):
    responses.post(TOKEN_URL, json=token(1))
    responses.post(TOKEN_URL, json=token(2))
    refusal = envelope("Authentication_InvalidCredentials", "The server has rejected the client credentials.")
    responses.get(f"{API}/customers", status=401, json=refusal)
    responses.get(f"{API}/customers", status=401, json=refusal)

    with pytest.raises(SyncError) as refused:
        adapter(connection).find_customers_by_email("a@example.com")

    assert refused.value.code == "auth_expired"
    assert "Microsoft Entra accepted the app's client id and secret" in refused.value.message
    assert "'Microsoft Entra applications' page" in refused.value.message


@responses.activate
def test_lists_follow_next_links_and_ask_for_a_page_size(connection):
    responses.post(TOKEN_URL, json=token())
    responses.get(f"{API}/customers", json=customer_list("C1", "C2", next_link=f"{API}/customers?$skiptoken=Mg"))
    responses.get(f"{API}/customers", json=customer_list("C3"))

    found = adapter(connection).find_customers_by_email("a@example.com")

    assert found == ["C1", "C2", "C3"]
    assert responses.calls[1].request.headers["Prefer"] == "odata.maxpagesize=1000"
    assert "tolower%28email%29+eq+%27a%40example.com%27" in responses.calls[1].request.url


@responses.activate
def test_an_update_sends_the_etag_and_re_reads_when_the_record_changed_meanwhile(connection):
    fresh = 'W/"JzE5OzI7MDA7Jw=="'
    responses.post(TOKEN_URL, json=token())
    responses.get(f"{API}/customers", json=customer_list("C00010"))
    responses.patch(f"{API}/customers(id-C00010)", status=409,
                    json=envelope("Request_EntityChanged", "Another user has already changed the record."))
    responses.get(f"{API}/customers(id-C00010)", json={"@odata.etag": fresh, "id": "id-C00010"})
    responses.patch(f"{API}/customers(id-C00010)", json={"@odata.etag": 'W/"3"', "id": "id-C00010"})
    buyer = Customer(source_id="s", email="anna@example.com", name="Anna")

    adapter(connection).update_customer("C00010", buyer, {"email": "anna@example.com"})

    patches = [call.request for call in responses.calls if call.request.method == "PATCH"]
    assert [p.headers["If-Match"] for p in patches] == [ETAG, fresh]


@pytest.mark.parametrize(("status", "code", "text", "ours"), [
    (400, "Application_StringExceededLength",
     "The length of the string is 57, but it must be less than or equal to 50 characters.", "field_too_long"),
    (400, "Application_DialogException", "The sell-to customer cannot be found.", "remote_rejected"),
    (409, "Request_EntityChanged", "Another user has already changed the record.", "entity_changed"),
    (404, "BadRequest_ResourceNotFound", "Resource not found for the segment 'custommers'.", "not_found"),
    (400, "Internal_RecordNotFound", "The Item does not exist. Identification fields and values: No.='X'",
     "not_found"),
    (403, "Authorization_InsufficientPermissions", "You do not have the following permissions.", "auth_forbidden"),
    (401, "Authentication_InvalidCredentials", "The server has rejected the client credentials.", "auth_expired"),
])
@responses.activate
def test_error_envelopes_become_catalog_codes_without_the_correlation_id_noise(connection, status, code, text, ours):
    responses.post(TOKEN_URL, json=token())
    responses.post(TOKEN_URL, json=token(2))
    responses.post(f"{API}/customers", status=status, json=envelope(code, text))

    with pytest.raises(SyncError) as failed:
        adapter(connection).create_customer(Customer(source_id="s", email="anna@example.com", name="Anna"))

    assert failed.value.code == ours
    assert text in failed.value.message
    assert "CorrelationId 10b3fa85-1752-4f79-9836-33c6352b0995" in failed.value.message  # kept for MS support


@responses.activate
def test_a_deadlock_on_a_write_is_an_unknown_outcome_never_retried(connection):
    responses.post(TOKEN_URL, json=token())
    responses.post(f"{API}/customers", status=409, json=envelope(
        "Internal_ServerError", "Deadlock: the operation could not complete. Please retry the activity."))

    with pytest.raises(SyncError) as failed:
        adapter(connection).create_customer(Customer(source_id="s", email="anna@example.com", name="Anna"))

    assert failed.value.code == "write_outcome_unknown"
    assert len([c for c in responses.calls if c.request.method == "POST" and "customers" in c.request.url]) == 1


@responses.activate
def test_a_deadlock_on_a_read_is_retried(connection):
    responses.post(TOKEN_URL, json=token())
    responses.get(f"{API}/companyInformation", status=409, json=envelope(
        "Internal_ServerError", "The operation could not complete because of a deadlock."))
    responses.get(f"{API}/companyInformation", json={"value": [{"displayName": "CRONUS Sverige AB"}]})

    assert adapter(connection).check().name == "CRONUS Sverige AB"


@responses.activate
def test_a_429_on_a_write_is_retried_because_nothing_happened(connection):
    responses.post(TOKEN_URL, json=token())
    responses.post(f"{API}/customers", status=429, json=envelope("Application_TooManyRequests", "Too many."))
    responses.post(f"{API}/customers", status=201, json={"@odata.etag": ETAG, "id": "x", "number": "C00011"})

    created = adapter(connection).create_customer(Customer(source_id="s", email="anna@example.com", name="Anna"))

    assert created.target_id == "C00011"


@responses.activate
def test_a_5xx_after_a_write_is_an_unknown_outcome(connection):
    responses.post(TOKEN_URL, json=token())
    responses.post(f"{API}/customers", status=503, headers={"Retry-After": "1"}, body="")

    with pytest.raises(SyncError) as failed:
        adapter(connection).create_customer(Customer(source_id="s", email="anna@example.com", name="Anna"))

    assert failed.value.code == "write_outcome_unknown"


def test_an_over_long_reference_is_refused_before_sending(connection):
    document = Invoice(external_reference="centra-shipment-" + "9" * 30, customer=Customer("s", "a@b.se", "A"),
                       currency="SEK", invoice_date=date.today(), rows=[])

    with pytest.raises(SyncError) as refused:
        adapter(connection).validate_invoice(document)

    assert refused.value.code == "field_too_long"
