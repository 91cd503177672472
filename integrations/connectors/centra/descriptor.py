"""Centra as Junipeer knows it: a source system reached with an Integration API token."""

from ...domain.registry import SOURCE, TOKEN, ConnectionConfig, ConnectorDescriptor, CredentialField, register
from ..ratelimit import Limit, limit_from_settings
from .client import CentraClient


def build(config: ConnectionConfig, **options) -> CentraClient:
    """The client of one Centra store: our share of its plan's request and query-complexity quotas,
    or the connection's own (`settings["rate_limit"]`, `settings["complexity_limit"]`: {"points",
    "per_seconds"}, e.g. when Centra raised them for this store)."""
    plan = config.settings.get("plan", "growth")
    complexity = config.settings.get("complexity_limit")
    return CentraClient(
        base_url=config.base_url,
        api_token=config.credentials.get("api_token", ""),
        limit=limit_from_settings(config.settings, CentraClient.plan_limit(plan)),
        complexity_limit=(Limit(int(complexity["points"]), float(complexity["per_seconds"])) if complexity
                          else CentraClient.plan_complexity_limit(plan)),
        connection_key=config.key,
        **options,
    )


CENTRA = register(ConnectorDescriptor(
    kind="centra",
    label="Centra",
    role=SOURCE,
    auth=TOKEN,
    credentials=(
        CredentialField("api_token", "API token",
                        help_text="An Integration API token: Centra AMS > System > API Tokens."),
        CredentialField("webhook_secret", "webhook secret", required=False,
                        help_text="The endpoint secret of the Centra Webhook plugin (Integration API version)."),
    ),
    build=build,
    default_base_url="https://<brand>.centra.com",
    # Best-known: the AMS order page on the store's own host (not in Centra's public docs).
    document_urls={"order": "{base_url}/ams/order?order={number}"},
))
