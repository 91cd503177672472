"""Token authentication and the per-request context the resolvers read (centra.md §1)."""

import re
from dataclasses import dataclass, field

from graphql import GraphQLError

from .models import ApiToken, Return, Shipment, Store

BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)


@dataclass
class Principal:
    """Who is calling: the tenant, the token's permissions (None = all) and its integration name."""

    store: Store
    integration_name: str
    permissions: frozenset | None = None
    channel_id: int | None = None


def token_from(request) -> str | None:
    """`Authorization: Bearer <token>` (any case) or the `graphql-access` cookie."""
    match = BEARER.match(request.headers.get("Authorization", ""))
    if match:
        return match.group(1)
    return request.COOKIES.get("graphql-access") or None


def authenticate(request, slug: str) -> Principal | None:
    token = token_from(request)
    if not token:
        return None
    store = Store.objects.filter(slug=slug, api_token=token).first()
    if store is not None:
        return Principal(store=store, integration_name=store.integration_name)
    extra = ApiToken.objects.select_related("store").filter(store__slug=slug, token=token).first()
    if extra is None:
        return None
    return Principal(store=extra.store, integration_name=extra.integration_name,
                     permissions=frozenset(extra.permissions), channel_id=extra.channel_id)


@dataclass
class Context:
    """Passed to every resolver as `info.context`."""

    principal: Principal
    permissions_used: list[str] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.principal.store

    def require(self, permission: str, field_name: str) -> None:
        """Raise Centra's authorization error unless the token holds `permission`."""
        if permission not in self.permissions_used:
            self.permissions_used.append(permission)
        allowed = self.principal.permissions
        if allowed is not None and permission not in allowed:
            raise GraphQLError(
                f"You need {permission} permission to access {field_name}.",
                extensions={"category": "authorization"},
            )

    def orders(self):
        orders = self.store.orders.select_related("channel", "market", "pricelist", "customer")
        if self.principal.channel_id:
            orders = orders.filter(channel_id=self.principal.channel_id)
        return orders

    def shipments(self):
        shipments = Shipment.objects.filter(order__store=self.store).select_related("order__channel")
        if self.principal.channel_id:
            shipments = shipments.filter(order__channel_id=self.principal.channel_id)
        return shipments

    def returns(self):
        returns = Return.objects.filter(shipment__order__store=self.store).select_related("shipment__order__channel")
        if self.principal.channel_id:
            returns = returns.filter(shipment__order__channel_id=self.principal.channel_id)
        return returns
