"""What users type cannot turn Junipeer against its own network: in production the HTTP client calls
only https:// hosts whose every address is public, on every hop, and connects to the address it
checked. DNS is faked (`socket.getaddrinfo`) and HTTP answered by `responses`, except where a test
needs a real socket (pinning), which then listens on the loopback range only."""

import ipaddress
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model

from integrations.connections import erp_for
from integrations.connectors import urlsafety
from integrations.connectors.http import ApiClient, RetryPolicy
from integrations.connectors.urlsafety import UrlPolicy
from integrations.domain.errors import CATALOG, SyncError
from integrations.forms import ConnectionForm
from integrations.models import Connection
from tests import factories

PUBLIC_V4 = "151.101.1.69"
PUBLIC_V6 = "2a04:4e42::1"
BASE = "https://api.shop.test"


class FakeDns:
    """Names resolve to what a test says; address literals resolve as usual (urllib3 looks them up
    too when it connects to a pinned address). Counts the lookups of each name."""

    def __init__(self, real):
        self.real = real
        self.table: dict[str, list[str]] = {}
        self.lookups: dict[str, int] = {}

    def __call__(self, host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return self.real(host, port, *args, **kwargs)
        self.lookups[host] = self.lookups.get(host, 0) + 1
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self.table[host]
        if callable(answers):
            answers = answers()
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers
        ]


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def production(settings):
    """Production's outbound rules (the test settings allow http:// and local hosts for the sandbox)."""
    settings.OUTBOUND_ALLOW_HTTP = False
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = False


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def api_client(base_url=BASE, **kwargs):
    return ApiClient(base_url=base_url, sleep=Sleeps(), retry=RetryPolicy(max_attempts=3, backoff_base=0.01),
                     **kwargs)


def refused(call) -> SyncError:
    with pytest.raises(SyncError) as caught:
        call()
    assert caught.value.code == "unsafe_url", caught.value
    return caught.value


# --- the rules ---------------------------------------------------------------------------------


def test_unsafe_url_is_in_the_catalog_says_what_to_use_and_is_not_retryable():
    entry = CATALOG["unsafe_url"]
    assert "public https:// address" in entry.advice
    assert entry.retryable is False


@responses.activate
def test_http_is_refused_in_production_and_nothing_is_sent(production, dns):
    dns.table["api.shop.test"] = [PUBLIC_V4]
    responses.get("http://api.shop.test/things", json={"ok": True})
    api = api_client("http://api.shop.test")

    error = refused(lambda: api.request("GET", "things"))

    assert "http://" in error.message
    assert "https://" in error.message
    assert len(responses.calls) == 0
    assert api.sleep == []  # refused at once, never retried
    assert api.journal[0].attempts == 1


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # the cloud metadata service
    ("0.0.0.0", "unspecified"),
    ("224.0.0.251", "multicast"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "not publicly routable"),  # carrier-grade NAT
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("ff02::1", "multicast"),
    ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6 reaches the IPv4 address
    ("::ffff:169.254.169.254", "link-local"),
])
@responses.activate
def test_hosts_resolving_to_local_or_private_addresses_are_refused(production, dns, address, kind):
    dns.table["api.shop.test"] = [address]
    responses.get(f"{BASE}/things", json={"ok": True})

    error = refused(lambda: api_client().request("GET", "things"))

    assert kind in error.message
    assert address in error.message
    assert "public https:// address" in error.message
    assert len(responses.calls) == 0


@pytest.mark.parametrize("literal", ["https://127.0.0.1/", "https://[::1]/", "https://[::ffff:10.0.0.1]/",
                                     "https://169.254.169.254/latest/meta-data/"])
def test_address_literals_in_the_url_are_held_to_the_same_rules(production, dns, literal):
    with pytest.raises(urlsafety.UnsafeUrl):
        UrlPolicy().check(literal)


@responses.activate
def test_every_address_of_a_host_is_checked_not_only_the_first(production, dns):
    dns.table["api.shop.test"] = [PUBLIC_V4, PUBLIC_V6, "10.0.0.7"]
    responses.get(f"{BASE}/things", json={"ok": True})

    error = refused(lambda: api_client().request("GET", "things"))

    assert "10.0.0.7" in error.message
    assert len(responses.calls) == 0


@responses.activate
def test_a_host_with_only_public_addresses_is_called(production, dns):
    dns.table["api.shop.test"] = [PUBLIC_V4, PUBLIC_V6]
    responses.get(f"{BASE}/things", json={"ok": True})

    assert api_client().request("GET", "things") == {"ok": True}
    assert responses.calls[0].request.headers["Host"] == "api.shop.test"


@responses.activate
def test_a_redirect_to_a_private_address_is_refused(production, dns):
    dns.table["api.shop.test"] = [PUBLIC_V4]
    dns.table["metadata.internal"] = ["169.254.169.254"]
    responses.get(f"{BASE}/things", status=302, headers={"Location": "https://metadata.internal/latest/meta-data/"})
    responses.get("https://metadata.internal/latest/meta-data/", body="iam/security-credentials")

    error = refused(lambda: api_client().request("GET", "things"))

    assert "metadata.internal" in error.message
    assert [call.request.url for call in responses.calls] == [f"{BASE}/things"]


@responses.activate
def test_a_redirect_from_https_to_http_is_refused(production, dns):
    dns.table["api.shop.test"] = [PUBLIC_V4]
    responses.get(f"{BASE}/things", status=301, headers={"Location": "http://api.shop.test/things"})
    responses.get("http://api.shop.test/things", json={"ok": True})

    refused(lambda: api_client().request("GET", "things"))

    assert len(responses.calls) == 1


@responses.activate
def test_a_redirect_to_another_public_host_is_followed(production, dns):
    dns.table["api.shop.test"] = [PUBLIC_V4]
    dns.table["eu.api.shop.test"] = [PUBLIC_V6]
    responses.get(f"{BASE}/things", status=302, headers={"Location": "https://eu.api.shop.test/things"})
    responses.get("https://eu.api.shop.test/things", json={"ok": True})

    assert api_client().request("GET", "things") == {"ok": True}
    assert responses.calls[1].request.headers["Host"] == "eu.api.shop.test"  # named per hop, not copied


@pytest.mark.django_db
@responses.activate
def test_the_oauth_token_url_is_held_to_the_same_rules(production, dns):
    """A connection whose token URL points inside the network is refused before the refresh token
    (a secret) is sent anywhere."""
    dns.table["api.fortnox.test"] = [PUBLIC_V4]
    dns.table["apps.fortnox.test"] = ["192.168.0.10"]
    responses.post("https://apps.fortnox.test/oauth-v1/token", json={"access_token": "stolen"})
    responses.get("https://api.fortnox.test/3/companyinformation", json={"CompanyInformation": {}})
    connection = factories.fortnox_connection(expires_in=10)  # refreshed before the call

    refused(lambda: erp_for(connection).check())

    assert len(responses.calls) == 0


@responses.activate
def test_a_host_that_does_not_resolve_is_an_outage_retried_not_an_unsafe_url(production, dns):
    responses.get(f"{BASE}/things", json={"ok": True})
    api = api_client()

    with pytest.raises(SyncError) as caught:
        api.request("GET", "things")

    assert caught.value.code == "upstream_unavailable"
    assert caught.value.retryable
    assert dns.lookups["api.shop.test"] == 3  # one per attempt


@responses.activate
def test_a_base_url_without_a_scheme_is_an_unsafe_url_not_a_crash(dns):
    responses.get(f"{BASE}/things", json={"ok": True})

    refused(lambda: api_client("api.shop.test").request("GET", "things"))


@responses.activate
def test_development_calls_the_local_sandbox_over_http_without_resolving(settings, dns):
    """Development and test settings allow the sandbox on 127.0.0.1 under the app itself (the
    live-server flow tests, e.g. test_orders_flow.py, prove it over real HTTP)."""
    assert settings.OUTBOUND_ALLOW_HTTP
    assert settings.OUTBOUND_ALLOW_PRIVATE_HOSTS
    responses.get("http://127.0.0.1:8000/sandbox/centra/api/things", json={"ok": True})

    assert api_client("http://127.0.0.1:8000/sandbox/centra/api").request("GET", "things") == {"ok": True}
    assert dns.lookups == {}


# --- pinning: connect to the address that was checked ---------------------------------------------


class Answering(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{self.server.name} saw Host {self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet: the test reads the answers."""


def serve(address, port, name, tls_context=None):
    server = HTTPServer((address, port), Answering)
    server.name = name
    if tls_context:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Pinning needs real sockets, and a test may only listen on loopback: here 127.0.0.2 counts as
    the public address and 127.0.0.1 stays refused, so a rebinding answer lands on 127.0.0.1."""
    real_reason = urlsafety.refusal_reason

    def reason(address):
        return None if str(address) == "127.0.0.2" else real_reason(address)

    monkeypatch.setattr(urlsafety, "refusal_reason", reason)


def rebinding(dns, host):
    """Answers the checked (public) address the first time and a local one ever after."""
    answers = iter([["127.0.0.2"]])
    dns.table[host] = lambda: next(answers, ["127.0.0.1"])


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        return probe.getsockname()[1]


def test_dns_rebinding_cannot_move_the_connection_to_a_local_address(production, dns, loopback_is_public, settings):
    settings.OUTBOUND_ALLOW_HTTP = True  # plain HTTP keeps this test about addresses
    port = free_port()
    checked, local = serve("127.0.0.2", port, "checked"), serve("127.0.0.1", port, "local")
    rebinding(dns, "rebind.shop.test")
    try:
        answer = api_client(f"http://rebind.shop.test:{port}").request("GET", "things")
    finally:
        for server in (checked, local):
            server.shutdown()
            server.server_close()

    assert answer == f"checked saw Host rebind.shop.test:{port}"
    assert dns.lookups["rebind.shop.test"] == 1  # resolved once: the check's answer is the one used


def self_signed(host, directory):
    """A certificate for `host` and a client trust store that holds only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)


def test_pinned_https_still_verifies_the_certificate_for_the_host_name(production, dns, loopback_is_public,
                                                                       tmp_path):
    """Connecting to an address must not weaken TLS: the server is asked for (SNI) and verified as
    the host's name, so the right certificate passes and a wrong name fails."""
    port = free_port()
    tls, trusted = self_signed("api.shop.test", tmp_path)
    server = serve("127.0.0.2", port, "checked", tls)
    dns.table["api.shop.test"] = ["127.0.0.2"]
    dns.table["other.shop.test"] = ["127.0.0.2"]
    try:
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment replaces `verify`
        session.verify = trusted
        answer = api_client(f"https://api.shop.test:{port}", session=session).request("GET", "things")
        with pytest.raises(SyncError) as wrong_name:
            api_client(f"https://other.shop.test:{port}", session=session).request("GET", "things")
    finally:
        server.shutdown()
        server.server_close()

    assert answer == f"checked saw Host api.shop.test:{port}"
    assert "other.shop.test" in str(wrong_name.value)  # certificate does not match the name asked for


# --- where base URLs are typed in -----------------------------------------------------------------


def form_data(connection, **values):
    return {"organization": connection.organization_id, "name": connection.name, "kind": connection.kind,
            "base_url": connection.base_url, "auth_url": connection.auth_url, "settings": "{}", **values}


@pytest.mark.django_db
def test_connection_form_refuses_a_private_base_url_with_a_field_error_saying_what_to_fix(production, dns):
    dns.table["erp.intranet.test"] = ["10.20.0.5"]
    dns.table["api.fortnox.test"] = [PUBLIC_V4]
    connection = factories.fortnox_connection()

    form = ConnectionForm(form_data(connection, base_url="https://erp.intranet.test/3",
                                    auth_url="https://api.fortnox.test"), instance=connection)

    assert not form.is_valid()
    assert list(form.errors) == ["base_url"]
    [message] = form.errors["base_url"]
    assert "10.20.0.5" in message
    assert "private network" in message
    assert "use the system's public https:// address" in message


@pytest.mark.django_db
def test_connection_form_refuses_http_and_an_unknown_host_in_production(production, dns):
    connection = factories.fortnox_connection()

    form = ConnectionForm(form_data(connection, base_url="http://api.fortnox.test/3",
                                    auth_url="https://apps.fortnox.tset"), instance=connection)

    assert not form.is_valid()
    assert "https://" in form.errors["base_url"][0]
    assert "check the spelling" in form.errors["auth_url"][0]


@pytest.mark.django_db
def test_connection_form_accepts_a_public_https_address(production, dns):
    dns.table["brand.centra.test"] = [PUBLIC_V4]
    connection = factories.centra_connection()

    form = ConnectionForm(form_data(connection, base_url="https://brand.centra.test/graphql"), instance=connection)

    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_admin_answers_a_metadata_address_with_the_form_again_not_a_500(production, dns, client):
    dns.table["metadata.internal"] = ["169.254.169.254"]
    organization = factories.organization()
    admin = get_user_model().objects.create_superuser("root", "root@example.test", "pw-long-enough")
    client.force_login(admin)

    answer = client.post("/admin/integrations/connection/add/", {
        "organization": organization.pk, "name": "Centra", "kind": "centra",
        "base_url": "https://metadata.internal/latest", "auth_url": "", "settings": "{}",
    })

    assert answer.status_code == 200
    assert "link-local" in answer.content.decode()
    assert not Connection.objects.exists()


def test_outbound_rules_come_from_settings_when_a_client_is_built(settings):
    settings.OUTBOUND_ALLOW_HTTP = False
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True

    assert api_client().url_policy == UrlPolicy(allow_http=False, allow_private_hosts=True)
