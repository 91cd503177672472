"""The Get Started wizard's progress and the writes of its first steps.

Progress lives on the organization's `Wizard` row, which points to the draft integration once
both systems are connected: leaving and coming back continues where the owner stopped.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from integrations import audit
from integrations.connections import (
    check_connection,
    chosen_options,
    clear_credentials,
    erp_for,
    set_credentials,
)
from integrations.domain.errors import SyncError
from integrations.domain.registry import ERP, OAUTH2, CredentialField, descriptor, descriptors
from integrations.models import Connection, Flow, Integration, Organization

from .models import Wizard


@dataclass(frozen=True)
class Step:
    slug: str
    title: str


STEPS = (
    Step("centra", "Connect Centra"), Step("erp", "Connect your ERP"), Step("prepare", "Prepare the ERP"),
    Step("markets", "Markets"), Step("flows", "Flows"), Step("bookkeeping", "Bookkeeping"),
    Step("test", "Test sync"), Step("golive", "Go live"),
)
SLUGS = [step.slug for step in STEPS]
DEFAULT_FLOWS = (Flow.Kind.ORDERS, Flow.Kind.CUSTOMERS, Flow.Kind.REFUNDS)


def wizard_of(organization: Organization) -> Wizard:
    wizard, _ = Wizard.objects.select_related("source", "target", "integration").get_or_create(
        organization=organization)
    return wizard


def next_step(wizard: Wizard) -> str:
    """The first step not done (the last one when all are)."""
    return next((slug for slug in SLUGS if slug not in wizard.done), SLUGS[-1])


def reachable(wizard: Wizard, slug: str) -> bool:
    """A step can be opened once every step before it is done (and every done step can be revisited)."""
    index = SLUGS.index(slug)
    return all(previous in wizard.done for previous in SLUGS[:index])


def mark_done(wizard: Wizard, slug: str, **facts) -> None:
    if slug not in wizard.done:
        wizard.done = [s for s in SLUGS if s in wizard.done or s == slug]
    wizard.facts = {**wizard.facts, **facts}
    wizard.save(update_fields=["done", "facts", "updated_at"])


def remember(wizard: Wizard, **facts) -> None:
    """Remember what a step learnt or started, without marking the step done."""
    wizard.facts = {**wizard.facts, **facts}
    wizard.save(update_fields=["facts", "updated_at"])


def forget_fact(wizard: Wizard, name: str) -> None:
    wizard.facts = {key: value for key, value in wizard.facts.items() if key != name}
    wizard.save(update_fields=["facts", "updated_at"])


def chosen_flows(wizard: Wizard) -> list[str]:
    """The flow kinds the owner picked (the default three before step 5)."""
    if wizard.integration_id and wizard.integration.flows.exists():
        return list(wizard.integration.flows.filter(enabled=True).values_list("kind", flat=True))
    return list(DEFAULT_FLOWS)


@transaction.atomic
def save_centra(wizard: Wizard, base_url: str, api_token: str, *, user=None) -> Connection:
    """Save the checked Centra address and token on the organization's source connection."""
    connection = wizard.source or Connection(organization=wizard.organization, kind="centra",
                                             name=_free_name(wizard.organization, "Centra"))
    connection.base_url = base_url
    connection.save()
    set_credentials(connection, api_token=api_token)
    wizard.source = connection
    wizard.save(update_fields=["source", "updated_at"])
    check_connection(connection)
    _ensure_integration(wizard)
    mark_done(wizard, "centra")
    audit.record(user, [connection], "Connected Centra in Get Started (address and token checked live).")
    return connection


def erp_systems():
    return descriptors(ERP)


def oauth_app(kind: str) -> dict:
    """Junipeer's own app with an OAuth2 ERP (`ERP_OAUTH_APPS`), or {} when none is configured."""
    return dict((getattr(settings, "ERP_OAUTH_APPS", {}) or {}).get(kind) or {})


@transaction.atomic
def erp_connection(wizard: Wizard, kind: str) -> Connection:
    """The organization's draft connection to ERP `kind` (made, or switched to `kind`)."""
    system = descriptor(kind)
    app = oauth_app(kind) if system.auth == OAUTH2 else {}
    connection = wizard.target
    if connection is None or connection.kind != kind:
        connection = Connection(organization=wizard.organization, kind=kind,
                                name=_free_name(wizard.organization, system.label))
    connection.base_url = app.get("base_url") or connection.base_url or system.default_base_url
    connection.auth_url = app.get("auth_url") or connection.auth_url or system.default_auth_url
    connection.save()
    if app:
        set_credentials(connection, client_id=app.get("client_id"), client_secret=app.get("client_secret"))
    wizard.target = connection
    wizard.save(update_fields=["target", "updated_at"])
    return connection


@dataclass(frozen=True)
class Offered:
    """A credential the owner chooses (`ChosenField`): what the system lists now, and what is chosen."""

    field: CredentialField
    options: list[tuple[str, str]]
    value: str  # "" until one of `options` is chosen


def save_erp_credentials(wizard: Wizard, kind: str, base_url: str, auth_url: str, values: dict, *,
                         user=None) -> tuple[bool, str]:
    """Keep the typed credentials of a token ERP and check them live: a system with nothing to choose
    is connected at once; one with chosen fields must list the first of them (that is the check), and
    the step waits for the choices. New credentials forget the choices made with the old ones.
    (ok, what to tell the owner)."""
    connection = erp_connection(wizard, kind)
    before = (connection.base_url, connection.auth_url, dict(connection.credentials))
    connection.base_url = base_url
    connection.auth_url = auth_url or connection.auth_url
    connection.save(update_fields=["base_url", "auth_url", "updated_at"])
    set_credentials(connection, **values)
    system = connection.system
    if not system.chosen:
        return _connected(wizard, user)
    if before != (connection.base_url, connection.auth_url, dict(connection.credentials)):
        clear_credentials(connection, *(c.name for c in system.chosen))
        _erp_undone(wizard)
    try:
        offered = erp_choices(wizard)
    except SyncError as exc:
        return False, exc.message
    audit.record(user, [connection], f"Checked the {system.label} credentials in Get Started.")
    if len(offered) == len(system.chosen) and offered[-1].value:  # the same credentials, already chosen
        return _connected(wizard, user)
    return True, f"{system.label} accepted the credentials: now choose the {_name(offered[-1].field)}."


def erp_choices(wizard: Wizard) -> list[Offered]:
    """The chosen credentials offered so far, each listed live with the typed credentials and the
    choices before it, up to the first not chosen yet. Raises a SyncError that says what to fix."""
    connection = wizard.target
    system = connection.system
    offered = []
    for chosen in system.chosen:
        options = chosen_options(connection, chosen.name)
        value = str(connection.credentials.get(chosen.name) or "")
        offered.append(Offered(system.credential(chosen.name), options,
                               value if value in {v for v, _ in options} else ""))
        if not offered[-1].value:
            break
    return offered


def choose_erp(wizard: Wizard, picked: dict, *, user=None) -> tuple[bool, str]:
    """Keep the owner's choices in order (each one from what was offered). A changed choice forgets
    the ones after it (a company of another environment), and the next list is offered; once every
    one is chosen the ERP is checked and the step is done. (ok, what to tell the owner)."""
    connection = wizard.target
    system = connection.system
    names = [c.name for c in system.chosen]
    for index, name in enumerate(names):
        if connection.credentials.get(name) != picked.get(name):
            set_credentials(connection, **{name: picked[name]})
            clear_credentials(connection, *names[index + 1:])
            if index + 1 < len(names):
                _erp_undone(wizard)
                try:  # the next list, read now: an environment without companies is said at once
                    erp_choices(wizard)
                except SyncError as exc:
                    return False, exc.message
                return True, f"Now choose the {_name(system.credential(names[index + 1]))}."
    return _connected(wizard, user)


def missing_typed(connection: Connection) -> list[str]:
    """The typed credentials a connection still lacks (the chosen ones come after these)."""
    return [f.name for f in connection.system.typed_credentials
            if f.required and not connection.credentials.get(f.name)]


def _name(field: CredentialField) -> str:
    return field.label.split(" (")[0]


def _connected(wizard: Wizard, user) -> tuple[bool, str]:
    try:
        ok, message = erp_connected(wizard, user=user)
    except SyncError as exc:
        ok, message = False, exc.message
    if not ok:
        return False, message
    return True, f"{wizard.target.system.label} answered: connected to {wizard.facts['erp_company']['name']}."


def _erp_undone(wizard: Wizard) -> None:
    """The ERP is being set up again (new credentials or another environment): the later steps wait."""
    wizard.done = [s for s in wizard.done if s != "erp"]
    wizard.facts = {key: value for key, value in wizard.facts.items() if key != "erp_company"}
    wizard.save(update_fields=["done", "facts", "updated_at"])


def erp_connected(wizard: Wizard, *, user=None) -> tuple[bool, str]:
    """After OAuth2 consent (or typed credentials): check the company reached and remember it."""
    connection = wizard.target
    healthy, message = check_connection(connection)
    if not healthy:
        return False, message
    company = erp_for(connection).check()
    _ensure_integration(wizard)
    mark_done(wizard, "erp", erp_company={"name": company.name, "organisation_number": company.organisation_number,
                                          "tenant_id": company.tenant_id, "system": connection.system.label})
    audit.record(user, [connection], f"Connected {connection.system.label} company {company.name} in Get Started.")
    return True, message


def _ensure_integration(wizard: Wizard) -> Integration | None:
    """The draft integration, made as soon as both systems are connected."""
    if wizard.integration_id or not (wizard.source_id and wizard.target_id):
        if wizard.integration_id and wizard.target_id and wizard.integration.target_id != wizard.target_id:
            Integration.objects.filter(pk=wizard.integration_id).update(target=wizard.target)
        return wizard.integration
    organization = wizard.organization
    integration = Integration.objects.create(
        organization=organization, name=f"{wizard.source.system.label} → {wizard.target.system.label}",
        slug=_free_slug(organization.slug), source=wizard.source, target=wizard.target,
        status=Integration.Status.DRAFT,
    )
    for kind in Flow.Kind.values:
        Flow.objects.create(integration=integration, kind=kind, enabled=kind in DEFAULT_FLOWS)
    wizard.integration = integration
    wizard.save(update_fields=["integration", "updated_at"])
    return integration


def _free_name(organization: Organization, base: str) -> str:
    name, n = base, 1
    while Connection.objects.filter(organization=organization, name=name).exists():
        n += 1
        name = f"{base} {n}"
    return name


def _free_slug(base: str) -> str:
    slug, n = base[:45], 1
    while Integration.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base[:45]}-{n}"
    return slug
