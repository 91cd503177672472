"""The client's address behind our own reverse proxies, for login throttling (django-axes).

Each proxy appends the address it received the request from to X-Forwarded-For, so with
`PROXY_COUNT` proxies of ours the client is the PROXY_COUNT-th address from the right. Anything
left of it was written by the client and is not trusted: taking the left-most address would let
an attacker pick a fresh address for every guess and never be locked out.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    if settings.PROXY_COUNT <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < settings.PROXY_COUNT:
        return remote  # not through all of our proxies: the peer is the best we know
    return forwarded[-settings.PROXY_COUNT]
