"""The registry of connector descriptors: every external system Junipeer can connect, described.

A descriptor says what the rest of the engine needs to know about a system without knowing the
system: its kind and label, whether it is a source (a shop) or an ERP, the credentials a
connection holds (and which are secret), how access is granted (an API token or OAuth2), the
field limits mappings must respect, and how to build its client. `Connection.kind` is validated
against it, and the forms, the onboarding wizard and the API read their fields from it, so a new
system is one connector package that registers a descriptor: no migration, no edit elsewhere.

Connector packages register themselves (`integrations/connectors/__init__.py` imports them);
the domain only holds the registry.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from string import Formatter
from urllib.parse import quote

from .errors import SyncError

SOURCE = "source"
ERP = "erp"
TOKEN = "token"
OAUTH2 = "oauth2"


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str  # written to follow the system's name: "API token" shows as "Centra API token"
    secret: bool = True
    required: bool = True
    help_text: str = ""


@dataclass(frozen=True)
class ChosenField:
    """A credential the owner picks from what the system lists once the other credentials are
    checked (Business Central: the environment, then one of its companies), never typed.

    `options` is given the system's client (or ERP adapter), built from the credentials typed and
    the choices made before this one, and answers (value, label) pairs; when there is nothing to
    choose from it raises a `SyncError` that says what to set up in the system."""

    name: str  # one of the descriptor's credentials
    options: Callable[[object], list[tuple[str, str]]]


@dataclass(frozen=True)
class OAuth2:
    """The authorization-code flow of a system (paths relative to the connection's `auth_url`)."""

    authorize_path: str
    token_path: str
    revoke_path: str = ""
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # flow kind -> scopes it needs
    base_scopes: tuple[str, ...] = ()

    def scopes_for(self, flow_kinds) -> list[str]:
        wanted = set(self.base_scopes)
        for kind in flow_kinds:
            wanted.update(self.scopes.get(kind, ()))
        return sorted(wanted)


@dataclass(frozen=True)
class ConnectionConfig:
    """What a client is built from: a connection's address, credentials and options, as plain data."""

    key: str  # identifies the connection across workers (shared rate limits, token refresh locks)
    base_url: str
    auth_url: str = ""
    credentials: Mapping = field(default_factory=dict)
    settings: Mapping = field(default_factory=dict)
    token_store: object = None  # where an OAuth2 client keeps its tokens (persisted at once)


@dataclass(frozen=True)
class ConnectorDescriptor:
    kind: str
    label: str
    role: str  # SOURCE or ERP
    auth: str  # TOKEN or OAUTH2
    credentials: tuple[CredentialField, ...]
    build: Callable[..., object]  # (ConnectionConfig, **client options) -> client (source) or ERP adapter
    default_base_url: str = ""
    default_auth_url: str = ""
    oauth: OAuth2 | None = None
    field_limits: Mapping[str, int] = field(default_factory=dict)  # "Customer.ZipCode" -> 10
    # The client fetches short-lived access tokens itself (e.g. client credentials): the connection
    # keeps them (`token_store`), so every worker uses one token until it expires and one fetches the next.
    keeps_tokens: bool = False
    # Accounts come from posting groups, not per row: the integration maps booking situations and VAT
    # rates to the ERP's posting groups (mappings.models.PostingGroupMapping), and invoices carry them.
    posting_groups: bool = False
    # Credentials chosen, in this order, from lists the system offers once the others are checked.
    chosen: tuple[ChosenField, ...] = ()
    # Where people open a document in the system's own web pages: what it is ("order", "invoice",
    # "credit_invoice", ...) -> a URL template over {base_url}, {auth_url}, the connection's non-secret
    # credentials (e.g. {tenant}) and {number}. Templates marked best-known are not documented by the system.
    document_urls: Mapping[str, str] = field(default_factory=dict)

    def document_url(self, what: str, **values) -> str:
        """The web page of one document, or "" when the system has none or a value is missing.

        Addresses ({base_url}, {auth_url}) go in as they are (without a trailing slash); every other
        value is URL-quoted, so a number can never change the address it is put into."""
        template = self.document_urls.get(what, "")
        names = {name for _, name, _, _ in Formatter().parse(template) if name}
        if not template or any(not str(values.get(name) or "").strip() for name in names):
            return ""
        return template.format_map({
            name: str(values[name]).rstrip("/") if name.endswith("_url") else quote(str(values[name]).strip(), safe="")
            for name in names
        })

    @property
    def required_credentials(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.credentials if f.required)

    @property
    def secret_credentials(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.credentials if f.secret)

    @property
    def typed_credentials(self) -> tuple[CredentialField, ...]:
        """The credentials typed in, checked before any `chosen` one is offered."""
        chosen = {c.name for c in self.chosen}
        return tuple(f for f in self.credentials if f.name not in chosen)

    def credential(self, name: str) -> CredentialField:
        return next(f for f in self.credentials if f.name == name)


_REGISTRY: dict[str, ConnectorDescriptor] = {}


def register(descriptor: ConnectorDescriptor) -> ConnectorDescriptor:
    if descriptor.role not in (SOURCE, ERP) or descriptor.auth not in (TOKEN, OAUTH2):
        raise ValueError(f"{descriptor.kind}: role {descriptor.role!r} / auth {descriptor.auth!r} is not known")
    if descriptor.auth == OAUTH2 and descriptor.oauth is None:
        raise ValueError(f"{descriptor.kind}: an OAuth2 system needs its OAuth2 endpoints")
    if not {c.name for c in descriptor.chosen} <= {f.name for f in descriptor.credentials}:
        raise ValueError(f"{descriptor.kind}: every chosen field must be one of its credentials")
    _REGISTRY[descriptor.kind] = descriptor
    return descriptor


def descriptor(kind: str) -> ConnectorDescriptor:
    """The descriptor of `kind`; an unknown kind is a misconfigured connection, not a crash."""
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise SyncError("flow_misconfigured", f"No connector is registered for systems of kind {kind!r}.") from None


def descriptors(role: str | None = None) -> list[ConnectorDescriptor]:
    return [d for d in _REGISTRY.values() if role is None or d.role == role]


def kind_choices() -> list[tuple[str, str]]:
    """Choices for `Connection.kind` (a callable, so a new system changes no migration)."""
    return [(d.kind, d.label) for d in sorted(_REGISTRY.values(), key=lambda d: d.label)]
