"""A partner sees only the shops linked to it: every endpoint and method tried with another
partner's ids (in paths, filters and bodies) answers 404 exactly like an unknown id, and nothing
of the other partner changes."""

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.forms.models import model_to_dict

from integrations.models import (
    Alert,
    ApiKey,
    Connection,
    Flow,
    Integration,
    PartnerWebhook,
    ReconciliationReport,
    SyncRecord,
    SyncRun,
)
from mappings.models import FieldMapping, OssAccount, ValueMapEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(rival):
    """Everything of the rival partner an id can name."""
    _, rival_key, theirs = rival
    run = SyncRun.objects.get(flow__integration=theirs)
    return {
        "slug": theirs.slug, "org": theirs.organization.slug, "run": run.pk,
        "record": SyncRecord.objects.get(integration=theirs).pk, "connection": theirs.source_id,
        "target": theirs.target_id, "key": rival_key.api_key.pk,
        "mapping": FieldMapping.objects.create(integration=theirs, flow_kind="orders", target="Invoice.Remarks",
                                               source_path="number").pk,
        "value_map": ValueMapEntry.objects.create(integration=theirs, map_name="m", source_value="a",
                                                  target_value="b").pk,
        "oss": OssAccount.objects.create(integration=theirs, country_code="FR", vat_rate=20, sales_account=3011).pk,
        "alert": Alert.objects.create(kind="run_failed", subject="s", title="t", message="m", integration=theirs).pk,
        "webhook": PartnerWebhook.objects.create(partner=theirs.organization.partner, url="https://x.example/").pk,
        "report": ReconciliationReport.objects.create(integration=theirs, day=date(2026, 11, 30)).pk,
    }


CASES = [  # (method, path, body, query)
    ("get", "/api/v1/organizations/{org}/", None, None),
    ("patch", "/api/v1/organizations/{org}/", {"name": "Taken"}, None),
    ("post", "/api/v1/organizations/{org}/invite/", {"email": "x@example.com"}, None),
    ("get", "/api/v1/connections/{connection}/", None, None),
    ("patch", "/api/v1/connections/{connection}/", {"name": "Taken"}, None),
    ("post", "/api/v1/connections/{connection}/check/", {}, None),
    ("post", "/api/v1/connections/{target}/oauth/", {}, None),
    ("post", "/api/v1/connections/", {"organization": "{org}", "name": "Mine", "kind": "centra",
                                      "base_url": "https://x.centra.test"}, None),
    ("get", "/api/v1/integrations/{slug}/", None, None),
    ("patch", "/api/v1/integrations/{slug}/", {"name": "Taken"}, None),
    ("post", "/api/v1/integrations/", {"organization": "ours", "name": "X", "slug": "x", "source": "{connection}",
                                       "target": "{target}"}, None),
    ("post", "/api/v1/integrations/{slug}/go-live/", {}, None),
    ("get", "/api/v1/integrations/{slug}/go-live/problems/", None, None),
    ("post", "/api/v1/integrations/{slug}/pause/", {}, None),
    ("post", "/api/v1/integrations/{slug}/resume/", {}, None),
    ("post", "/api/v1/integrations/{slug}/export/", {"reference": "10001"}, None),
    ("post", "/api/v1/integrations/{slug}/test-sync/", {"reference": "10001"}, None),
    ("get", "/api/v1/integrations/{slug}/webhook/", None, None),
    ("post", "/api/v1/integrations/{slug}/webhook/rotate/", {}, None),
    ("get", "/api/v1/integrations/{slug}/flows/", None, None),
    ("get", "/api/v1/integrations/{slug}/flows/orders/", None, None),
    ("patch", "/api/v1/integrations/{slug}/flows/orders/", {"batch_size": 7}, None),
    ("post", "/api/v1/integrations/{slug}/flows/orders/run/", {}, None),
    ("post", "/api/v1/integrations/{slug}/flows/orders/backfill/", {"since": "2026-01-01T00:00:00Z"}, None),
    ("get", "/api/v1/integrations/{slug}/runs/", None, None),
    ("get", "/api/v1/integrations/ours/runs/{run}/", None, None),
    ("get", "/api/v1/integrations/ours/records/{record}/", None, None),
    ("get", "/api/v1/integrations/ours/records/", None, {"run": "{run}"}),
    ("post", "/api/v1/integrations/ours/records/retry/", {"ids": ["{record}"]}, None),
    ("post", "/api/v1/integrations/ours/records/retry/", {"run": "{run}"}, None),
    ("post", "/api/v1/integrations/ours/records/resolve/", {"ids": ["{record}"], "reason": "x"}, None),
    ("get", "/api/v1/integrations/{slug}/mappings/", None, None),
    ("post", "/api/v1/integrations/{slug}/mappings/", {"flow_kind": "orders", "target": "Invoice.Remarks",
                                                       "source_path": "number"}, None),
    ("get", "/api/v1/integrations/ours/mappings/{mapping}/", None, None),
    ("patch", "/api/v1/integrations/ours/mappings/{mapping}/", {"source_path": "x"}, None),
    ("delete", "/api/v1/integrations/ours/mappings/{mapping}/", None, None),
    ("get", "/api/v1/integrations/{slug}/value-maps/", None, None),
    ("post", "/api/v1/integrations/{slug}/value-maps/", {"map_name": "m", "source_value": "z", "target_value": "y"},
     None),
    ("get", "/api/v1/integrations/ours/value-maps/{value_map}/", None, None),
    ("patch", "/api/v1/integrations/ours/value-maps/{value_map}/", {"target_value": "c"}, None),
    ("delete", "/api/v1/integrations/ours/value-maps/{value_map}/", None, None),
    ("get", "/api/v1/integrations/{slug}/oss-accounts/", None, None),
    ("post", "/api/v1/integrations/{slug}/oss-accounts/", {"country_code": "DE", "vat_rate": "19.00",
                                                           "sales_account": 3051}, None),
    ("get", "/api/v1/integrations/ours/oss-accounts/{oss}/", None, None),
    ("patch", "/api/v1/integrations/ours/oss-accounts/{oss}/", {"sales_account": 3012}, None),
    ("delete", "/api/v1/integrations/ours/oss-accounts/{oss}/", None, None),
    ("get", "/api/v1/integrations/{slug}/bookkeeping/", None, None),
    ("patch", "/api/v1/integrations/{slug}/bookkeeping/", {"freight_account": 3999}, None),
    ("post", "/api/v1/integrations/{slug}/bookkeeping/read-defaults/", {}, None),
    ("get", "/api/v1/alerts/{alert}/", None, None),
    ("get", "/api/v1/reconciliation-reports/{report}/", None, None),
    ("get", "/api/v1/keys/{key}/", None, None),
    ("post", "/api/v1/keys/{key}/revoke/", {}, None),
    ("get", "/api/v1/webhooks/{webhook}/", None, None),
    ("patch", "/api/v1/webhooks/{webhook}/", {"active": False}, None),
    ("delete", "/api/v1/webhooks/{webhook}/", None, None),
    ("post", "/api/v1/webhooks/{webhook}/rotate-secret/", {}, None),
    ("get", "/api/v1/webhooks/{webhook}/deliveries/", None, None),
]


def _shape(method: str, path: str) -> tuple[str, str]:
    """An operation with its ids blanked: `{slug}`, `ours`, `orders` and the schema's `{id}` alike."""
    return method, re.sub(r"\{[^}]+\}|(?<=/)(ours|orders)(?=/)", "{}", path)


def test_every_operation_that_names_an_object_is_tried_here():
    """The table above grows with the API: an endpoint added without its row here fails this test."""
    schema = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text())
    operations = {_shape(method, path) for path, item in schema["paths"].items() if "{" in path
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    tried = {_shape(method, path) for method, path, _, _ in CASES}
    assert len(operations) > 50
    assert operations - tried == set()


def fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        filled = ids[value[1:-1]]
        return filled if isinstance(filled, int) else str(filled)
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def everything_of(theirs: Integration) -> list:
    """The state of every row of the rival partner a request could change."""
    org = theirs.organization
    rows = [org, theirs, *Connection.objects.filter(organization=org), *Flow.objects.filter(integration=theirs),
            *SyncRecord.objects.filter(integration=theirs), *FieldMapping.objects.filter(integration=theirs),
            *ValueMapEntry.objects.filter(integration=theirs), *OssAccount.objects.filter(integration=theirs),
            *ApiKey.objects.filter(partner=org.partner), *PartnerWebhook.objects.filter(partner=org.partner)]
    return [(type(row).__name__, row.pk, model_to_dict(row)) for row in rows]


@pytest.mark.parametrize(("method", "path", "body", "query"), CASES,
                         ids=[f"{m} {p} {b or ''}{q or ''}" for m, p, b, q in CASES])
def test_another_partners_ids_are_not_found_and_nothing_of_theirs_changes(agency, rival, foreign, method, path, body,
                                                                          query):
    api, _, _ = agency
    before = everything_of(rival[2])
    headers = {"HTTP_IF_MATCH": "*"} if method == "patch" else {}

    answer = getattr(api, method)(fill(path, foreign), data=fill(query, foreign) if query else fill(body, foreign),
                                  format=None if query else "json", **headers)

    assert answer.status_code == 404, answer.content
    assert answer.json()["error"]["code"] == "not_found"
    assert everything_of(rival[2]) == before


def test_lists_show_nothing_of_another_partner(agency, rival, foreign):
    api, _, _ = agency
    for path in ["/api/v1/organizations/", "/api/v1/connections/", "/api/v1/integrations/", "/api/v1/failures/",
                 "/api/v1/alerts/", "/api/v1/reconciliation-reports/", "/api/v1/keys/", "/api/v1/webhooks/"]:
        listed = api.get(path).json()["results"]
        assert foreign["slug"] not in str(listed), path
        assert foreign["org"] not in str(listed), path
