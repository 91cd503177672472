"""The ERP adapters under contract, each reached over real HTTP through its simulator.

A harness builds one adapter (through `connections.erp_for`, as flows get it) against a fresh
tenant of the adapter's simulator. A new ERP adds its harness to ADAPTERS and passes the suite.
"""

import time

import pytest

from integrations.connections import erp_for, set_credentials
from sandbox.business_central import services as business_central
from sandbox.business_central.ratelimit import limits as business_central_limits
from sandbox.fortnox import services as fortnox
from tests import factories

FAST = {"rate_limit": {"requests": 10_000, "per_seconds": 1}}


def fortnox_adapter(live_server):
    tenant = fortnox.create_tenant("Contract AB", rate_limit_requests=10_000)
    tokens = fortnox.issue_tokens(tenant, fortnox.create_app("contract-client", "contract-secret"))
    connection = factories.fortnox_connection(
        base_url=f"{live_server.url}/sandbox/fortnox", auth_url=f"{live_server.url}/sandbox/fortnox",
        access_token=tokens["access_token"], refresh_token=tokens["refresh_token"], **FAST,
    )
    set_credentials(connection, client_id="contract-client", client_secret="contract-secret",
                    expires_at=time.time() + 3600)
    return erp_for(connection)


def business_central_adapter(live_server):
    """A CRONUS-like Swedish company in a fresh environment, reached with Entra client credentials."""
    business_central_limits.reset()
    environment = business_central.create_environment("contract.example", "production")
    company = business_central.create_company(environment, "CONTRACT", "Contract AB")
    business_central.create_app("contract-bc-client", "contract-bc-secret", "contract.example")
    connection = factories.business_central_connection(
        base_url=f"{live_server.url}/sandbox/business_central", auth_url=f"{live_server.url}/sandbox/business_central",
        tenant="contract.example", environment="production", company_id=str(company.id),
        client_id="contract-bc-client", client_secret="contract-bc-secret", **FAST,
    )
    return erp_for(connection)


ADAPTERS = {"fortnox": fortnox_adapter, "business_central": business_central_adapter}


@pytest.fixture(params=sorted(ADAPTERS))
def erp(request, live_server, transactional_db):
    return ADAPTERS[request.param](live_server)
