"""Setting up a shop's integration by API (the wizard builds its draft the same way): connections
whose credentials are checked live before they are kept, and a draft integration with every flow."""

from django.core.exceptions import ValidationError
from django.db import transaction

from mappings.services import install_preset

from .. import audit
from ..connections import check_connection, set_credentials
from ..domain.registry import TOKEN
from ..models import Connection, Flow, Integration, Organization
from .runs import set_flow_enabled


class ConnectionRefused(ValueError):
    """The system did not accept what was given; nothing was kept."""


def _checked(connection: Connection) -> tuple[bool, str]:
    """A token system is checked at once; an OAuth2 one can only be checked after consent."""
    if connection.system.auth != TOKEN:
        return True, f"Saved. Connect {connection.system.label} through its consent page next (the OAuth link)."
    return check_connection(connection)


def create_connection(organization: Organization, *, name: str, kind: str, base_url: str, auth_url: str = "",
                      settings: dict | None = None, credentials: dict | None = None,
                      user=None) -> tuple[Connection, str]:
    """Keep a connection only if its system answers (token systems); raises ConnectionRefused with the
    system's own message otherwise, having kept nothing."""
    connection = Connection.objects.create(organization=organization, name=name, kind=kind, base_url=base_url,
                                           auth_url=auth_url, settings=settings or {})
    set_credentials(connection, **(credentials or {}))
    healthy, message = _checked(connection)
    if not healthy:
        connection.delete()
        raise ConnectionRefused(message)
    audit.record(user, [connection], f"Connected {connection.system.label} ({connection.name}) by API.")
    return connection, message


def update_connection(connection: Connection, *, credentials: dict | None = None, user=None, **fields) -> str:
    """Change a connection; new credentials or address are checked live and put back if refused."""
    before = {name: getattr(connection, name) for name in fields} | {"credentials": dict(connection.credentials)}
    for name, value in fields.items():
        setattr(connection, name, value)
    connection.save()
    if credentials:
        set_credentials(connection, **credentials)
    if not (credentials or {"base_url", "auth_url"} & set(fields)):
        audit.record(user, [connection], f"Changed {', '.join(fields) or 'nothing'} by API.")
        return "Saved."
    healthy, message = _checked(connection)
    if not healthy:
        for name, value in before.items():
            setattr(connection, name, value)
        connection.save()
        raise ConnectionRefused(message)
    audit.record(user, [connection], "Changed the connection's credentials or address by API; checked live.")
    return message


@transaction.atomic
def create_integration(organization: Organization, *, name: str, slug: str, source: Connection, target: Connection,
                       flows: list[str], user=None) -> Integration:
    """A draft integration with every flow kind (those in `flows` on, with their preset mappings)."""
    integration = Integration.objects.create(organization=organization, name=name, slug=slug, source=source,
                                             target=target, status=Integration.Status.DRAFT)
    for kind in Flow.Kind.values:
        flow = Flow.objects.create(integration=integration, kind=kind, enabled=False)
        install_preset(integration, kind)
        if kind in flows:
            try:
                set_flow_enabled(flow, True, user=user)
            except ValidationError as exc:
                raise ValidationError({"flows": exc.messages}) from exc
    audit.record(user, [integration], f"Created the draft integration {name} by API.")
    return integration
