"""Small builders for engine objects used across test folders."""

import time

from integrations.models import Connection, Flow, Integration, Organization


def organization(slug="shop"):
    return Organization.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def fortnox_connection(org=None, *, base_url="https://api.fortnox.test", auth_url="https://apps.fortnox.test",
                       access_token="access-old-0000", refresh_token="refresh-old-0000", expires_in=3600,
                       **settings):
    return Connection.objects.create(
        organization=org or organization(), name="Fortnox", kind="fortnox",
        base_url=base_url, auth_url=auth_url, settings=settings,
        credentials={
            "client_id": "client-id", "client_secret": "client-secret-value",
            "access_token": access_token, "refresh_token": refresh_token,
            "expires_at": time.time() + expires_in,
        },
    )


def business_central_connection(org=None, *, base_url="https://api.businesscentral.test",
                                auth_url="https://login.microsoftonline.test", tenant="contoso.example",
                                environment="production", company_id="", client_id="bc-client-id",
                                client_secret="bc-client-secret", **settings):
    return Connection.objects.create(
        organization=org or organization(), name="Business Central", kind="business_central",
        base_url=base_url, auth_url=auth_url, settings=settings,
        credentials={"tenant": tenant, "environment": environment, "company_id": company_id,
                     "client_id": client_id, "client_secret": client_secret},
    )


def centra_connection(org=None, *, base_url="https://shop.centra.test", api_token="centra-token-0000", **settings):
    return Connection.objects.create(
        organization=org or organization(), name="Centra", kind="centra",
        base_url=base_url, settings=settings, credentials={"api_token": api_token},
    )


def integration(source, target, *, slug="shop", trigger=Flow.Trigger.SHIPMENT_CREATED, batch_size=50, **settings):
    integ = Integration.objects.create(
        organization=source.organization, name=slug.title(), slug=slug, source=source, target=target,
        status=Integration.Status.LIVE, settings=settings,
    )
    Flow.objects.create(integration=integ, kind=Flow.Kind.ORDERS, enabled=True, trigger=trigger,
                        batch_size=batch_size)
    return integ
