"""Business Central as Junipeer knows it: an ERP reached with Entra client credentials (the app's
client id and secret, consented in the customer's tenant), in one tenant, environment and company
(business-central.md §1), with its field limits (§7)."""

from ...domain.registry import (
    ERP,
    TOKEN,
    ChosenField,
    ConnectionConfig,
    ConnectorDescriptor,
    CredentialField,
    register,
)
from ..concurrency import at_once_from_settings, shared_semaphore
from ..ratelimit import limit_from_settings
from .client import BC_LIMIT, BC_MAX_CONCURRENT, BusinessCentralClient
from .erp import BusinessCentralERP


def build(config: ConnectionConfig, **options) -> BusinessCentralERP:
    credentials = config.credentials
    options.setdefault("semaphore", shared_semaphore())  # one cap for every worker of the connection
    client = BusinessCentralClient(
        base_url=config.base_url,
        auth_url=config.auth_url or "https://login.microsoftonline.com",
        tenant=str(credentials.get("tenant", "")),
        environment=str(credentials.get("environment", "") or "production"),
        company_id=str(credentials.get("company_id", "")),
        client_id=str(credentials.get("client_id", "")),
        client_secret=str(credentials.get("client_secret", "")),
        tokens=config.token_store,
        connection_key=config.key,
        limit=limit_from_settings(config.settings, BC_LIMIT),
        max_concurrent=at_once_from_settings(config.settings, BC_MAX_CONCURRENT),
        **options,
    )
    return BusinessCentralERP(client)


BUSINESS_CENTRAL = register(ConnectorDescriptor(
    kind="business_central",
    label="Business Central",
    role=ERP,
    auth=TOKEN,  # client credentials typed into the connection; no browser consent step of ours
    credentials=(
        CredentialField("tenant", "tenant (Microsoft Entra tenant id or domain)", secret=False,
                        help_text="e.g. contoso.onmicrosoft.com or the tenant's GUID."),
        CredentialField("client_id", "client id", secret=False,
                        help_text="The Entra app registration's Application (client) ID, with the API.ReadWrite.All "
                                  "application permission and admin consent; Enabled on BC's 'Microsoft Entra "
                                  "applications' page."),
        CredentialField("client_secret", "client secret", help_text="A client secret of that app registration."),
        CredentialField("environment", "environment", secret=False,
                        help_text="The environment's name, e.g. production or sandbox; chosen from the tenant's "
                                  "environments once the credentials are checked."),
        CredentialField("company_id", "company", secret=False, required=False,
                        help_text="The company's id; chosen from the environment's companies once the "
                                  "credentials are checked (empty: the environment's only company)."),
    ),
    build=build,
    default_base_url="https://api.businesscentral.dynamics.com",
    default_auth_url="https://login.microsoftonline.com",
    field_limits={
        "Customer.displayName": 100, "Customer.addressLine1": 100, "Customer.addressLine2": 50, "Customer.city": 30,
        "Customer.postalCode": 20, "Customer.phoneNumber": 30, "Customer.email": 80, "Customer.country": 10,
        "Customer.taxRegistrationNumber": 20, "Invoice.customerPurchaseOrderReference": 35,
        "Invoice.shipToName": 100, "Invoice.shipToContact": 100, "Invoice.shipToAddressLine1": 100,
        "Invoice.shipToAddressLine2": 50, "Invoice.shipToCity": 30, "Invoice.shipToPostCode": 20,
        "Invoice.shipToCountry": 10, "Invoice.email": 80, "Invoice.phoneNumber": 30,
    },
    keeps_tokens=True,
    posting_groups=True,
    # Checked tenant, client id and secret first; then the tenant's environments, then its companies.
    chosen=(ChosenField("environment", BusinessCentralERP.environment_choices),
            ChosenField("company_id", BusinessCentralERP.company_choices)),
    # The web client's documented URL form (?page=<page id>&filter=...): posted sales invoice 132, posted
    # credit memo 134, customer card 21, item card 30; the company is the user's own unless they switch.
    document_urls={
        "invoice": "https://businesscentral.dynamics.com/{tenant}/{environment}/?page=132&filter=%27No.%27%20IS%20%27{number}%27",
        "credit_invoice": "https://businesscentral.dynamics.com/{tenant}/{environment}/?page=134&filter=%27No.%27%20IS%20%27{number}%27",
        "customer": "https://businesscentral.dynamics.com/{tenant}/{environment}/?page=21&filter=%27No.%27%20IS%20%27{number}%27",
        "article": "https://businesscentral.dynamics.com/{tenant}/{environment}/?page=30&filter=%27No.%27%20IS%20%27{number}%27",
    },
))
