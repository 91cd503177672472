"""Fortnox as Junipeer knows it: an ERP reached with OAuth2 (fortnox.md §1), and its field limits."""

from ...domain.registry import ERP, OAUTH2, ConnectionConfig, ConnectorDescriptor, CredentialField, OAuth2, register
from ..ratelimit import limit_from_settings
from .client import FORTNOX_LIMIT, FortnoxClient
from .erp import FortnoxERP


def build(config: ConnectionConfig, **options) -> FortnoxERP:
    """The ERP adapter of one Fortnox company; its tokens live in the connection (`token_store`)."""
    credentials = config.credentials
    client = FortnoxClient(
        base_url=config.base_url,
        auth_url=config.auth_url or config.base_url,
        client_id=credentials.get("client_id", ""),
        client_secret=credentials.get("client_secret", ""),
        tenant_id=str(credentials.get("tenant_id", "")),
        tokens=config.token_store,
        connection_key=config.key,
        limit=limit_from_settings(config.settings, FORTNOX_LIMIT),
        **options,
    )
    return FortnoxERP(client)


FORTNOX = register(ConnectorDescriptor(
    kind="fortnox",
    label="Fortnox",
    role=ERP,
    auth=OAUTH2,
    credentials=(
        CredentialField("client_id", "client id", secret=False, help_text="From Fortnox's Developer Portal."),
        CredentialField("client_secret", "client secret"),
        CredentialField("access_token", "access token", help_text="Set by connecting (OAuth2); lives 1 hour."),
        CredentialField("refresh_token", "refresh token", required=False,
                        help_text="Set by connecting; works once, replaced at every refresh."),
        CredentialField("tenant_id", "tenant id (DatabaseNumber)", secret=False, required=False,
                        help_text="Learnt by the health check; lets access recover by itself."),
    ),
    build=build,
    default_base_url="https://api.fortnox.se",
    default_auth_url="https://apps.fortnox.se",
    oauth=OAuth2(
        authorize_path="oauth-v1/auth",
        token_path="oauth-v1/token",
        revoke_path="oauth-v1/revoke",
        base_scopes=("companyinformation", "settings", "bookkeeping"),  # + accounts: Get Started's checklist
        scopes={
            "orders": ("invoice", "customer", "article", "currency"),
            "refunds": ("invoice", "customer", "article", "currency"),
            "customers": ("customer",),
            "products": ("article", "price"),
            "stock": ("article",),
        },
    ),
    # Best-known: the web app's pages on the OAuth host (apps.fortnox.se); fortnox.md documents the API only.
    # A credit invoice is an invoice in Fortnox (CreditInvoiceReference set), with the same page.
    document_urls={
        "invoice": "{auth_url}/fs/fs/invoice/{number}", "credit_invoice": "{auth_url}/fs/fs/invoice/{number}",
        "customer": "{auth_url}/fs/fs/customer/{number}", "article": "{auth_url}/fs/fs/article/{number}",
    },
    # Fortnox's field lengths (fortnox.md §7), for mappings' `truncate` and the preview's warnings.
    field_limits={
        "Invoice.YourOrderNumber": 30, "Invoice.YourReference": 50, "Invoice.OurReference": 50,
        "Invoice.Remarks": 1024, "Customer.ZipCode": 10, "Customer.OrganisationNumber": 30,
        "Customer.Name": 1024, "Customer.Email": 1024, "Customer.CountryCode": 2, "Customer.YourReference": 50,
    },
))
