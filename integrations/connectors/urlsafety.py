"""Which URLs the engine may call: what users type must not turn Junipeer against its own network.

Base URLs come from people (the connection form, the wizard, partners), and so do the redirects of
the servers they point at. In production every request, every redirect hop and the OAuth token
URL must be https:// to a host whose every address is public: no loopback, private, link-local
(169.254.169.254 is the cloud metadata service), multicast, reserved or unspecified address, in
IPv4 or IPv6 (IPv4-mapped IPv6 read as the IPv4 it carries). Development and test allow http://
and local hosts, where the sandbox runs on 127.0.0.1 under the app itself (settings
`OUTBOUND_ALLOW_HTTP` and `OUTBOUND_ALLOW_PRIVATE_HOSTS`).

`GuardedAdapter` is the one place that enforces this: requests hands it every hop, redirects
included. It resolves the host once, checks all its addresses and then connects to the address
it checked (the TLS name and the Host header stay the host's own), so a DNS answer that changes
between the check and the connection (DNS rebinding) cannot reach a private address. Behind an
HTTP proxy the proxy resolves the name, so that pinning holds only up to the proxy.
"""

import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

DEFAULT_PORTS = {"https": 443, "http": 80}
PUBLIC_ADDRESS_ADVICE = "use the system's public https:// address"


class UnsafeUrl(requests.exceptions.InvalidURL):
    """A URL the policy refuses. The message says what is wrong and what to use instead."""


class HostNotFound(requests.exceptions.ConnectionError):
    """The host's name does not resolve (a typo, or DNS is down): nothing was sent."""


def refusal_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 reaches 127.0.0.1
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or getattr(address, "is_site_local", False):
        return "a private network address"
    if not address.is_global:
        return "an address that is not publicly routable"
    return None


@dataclass(frozen=True)
class UrlPolicy:
    """What may be called. The defaults are production's: https:// to public addresses only."""

    allow_http: bool = False
    allow_private_hosts: bool = False

    @classmethod
    def from_settings(cls) -> "UrlPolicy":
        from django.conf import settings

        return cls(allow_http=getattr(settings, "OUTBOUND_ALLOW_HTTP", False),
                   allow_private_hosts=getattr(settings, "OUTBOUND_ALLOW_PRIVATE_HOSTS", False))

    def check(self, url: str) -> list[str]:
        """Refuse `url` with `UnsafeUrl` unless it may be called; return the checked addresses to
        connect to, or [] when any host is allowed (the name is then resolved as usual)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        allowed = ("https", "http") if self.allow_http else ("https",)
        if scheme not in allowed:
            shown = f"{scheme}://" if scheme else "no scheme"
            raise UnsafeUrl(f"{url!r} uses {shown}; {PUBLIC_ADDRESS_ADVICE}.")
        try:
            host, port = parts.hostname, parts.port or DEFAULT_PORTS[scheme]
        except ValueError as exc:  # a port that is not a number or out of range
            raise UnsafeUrl(f"{url!r} is not a valid address ({exc}); {PUBLIC_ADDRESS_ADVICE}.") from exc
        if not host:
            raise UnsafeUrl(f"{url!r} names no host; {PUBLIC_ADDRESS_ADVICE}.")
        if self.allow_private_hosts:
            return []
        addresses = resolve(host, port)
        for address in addresses:
            reason = refusal_reason(ipaddress.ip_address(address))
            if reason:
                raise UnsafeUrl(f"{host} resolves to {address}, {reason}; {PUBLIC_ADDRESS_ADVICE}.")
        return addresses


def url_problem(url: str, policy: UrlPolicy | None = None) -> str | None:
    """What is wrong with an address a person typed in, saying what to fix; None if it may be called.
    For forms and serializers, which check an address where it is entered by the rules every
    request is held to."""
    try:
        (policy or UrlPolicy.from_settings()).check(url)
    except UnsafeUrl as exc:
        return f"Junipeer may not call this address: {exc}"
    except HostNotFound:
        return "This host cannot be found: check the spelling of the address (e.g. https://brand.centra.com)."
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order of preference, without repeats."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotFound(f"The host {host} could not be resolved ({exc}).") from exc
    addresses = []
    for *_, sockaddr in answers:
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone (fe80::1%eth0)
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise HostNotFound(f"The host {host} resolves to no address.")
    return addresses


class GuardedAdapter(HTTPAdapter):
    """A transport adapter that sends nothing the policy refuses and connects to the address it
    checked. Mounted for http:// and https:// on each client's session."""

    def __init__(self, policy: UrlPolicy, **kwargs):
        self.policy = policy
        self._pinned = threading.local()  # the checked address of the request being sent
        super().__init__(**kwargs)

    def send(self, request, **kwargs):
        addresses = self.policy.check(request.url)
        self._pinned.address = addresses[0] if addresses else None
        if addresses:
            # The connection goes to an address, so name the host ourselves, on every hop (a
            # redirect copies the headers of the hop before it).
            request.headers["Host"] = urlsplit(request.url).netloc.rpartition("@")[2]
        try:
            return super().send(request, **kwargs)
        finally:
            self._pinned.address = None

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        """Connect to the checked address; TLS still verifies the certificate for the host's name."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        address = getattr(self._pinned, "address", None)
        if address:
            if host_params["scheme"] == "https":
                pool_kwargs = {**pool_kwargs, "server_hostname": host_params["host"]}
            host_params = {**host_params, "host": address}
        return host_params, pool_kwargs
