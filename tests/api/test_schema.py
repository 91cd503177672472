"""The published OpenAPI schema is the one in the repository (docs/openapi.yaml): a change to the
API that is not reflected there fails here, and the schema tells the truth about bodies and errors."""

from pathlib import Path

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
REGENERATE = "DJANGO_ENV=development .venv/bin/python manage.py spectacular --file docs/openapi.yaml"


def live_schema() -> bytes:
    return OpenApiYamlRenderer().render(SchemaGenerator().get_schema(request=None, public=True),
                                        renderer_context={})


def test_the_committed_schema_is_the_one_the_app_publishes():
    assert live_schema().decode() == COMMITTED.read_text(), f"The API changed: regenerate with `{REGENERATE}`."


def test_retry_is_documented_as_taking_criteria_and_answering_a_count():
    schema = yaml.safe_load(COMMITTED.read_text())
    retry = schema["paths"]["/api/v1/integrations/{integration_slug}/records/retry/"]["post"]
    body = retry["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    answer = retry["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert set(schema["components"]["schemas"][body]["properties"]) == {"ids", "error_code", "run"}
    assert set(schema["components"]["schemas"][answer]["properties"]) == {"queued", "message"}
    assert retry["responses"]["404"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_the_records_filters_are_documented():
    schema = yaml.safe_load(COMMITTED.read_text())
    listed = schema["paths"]["/api/v1/integrations/{integration_slug}/records/"]["get"]

    assert {"status", "error_code", "flow", "run", "open", "created_after", "created_before", "search",
            "cursor", "page_size", "include"} <= {p["name"] for p in listed["parameters"]}


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_swagger_and_redoc_are_served_from_the_app_not_a_cdn(page):
    html = APIClient().get(page).content.decode()

    assert "/static/drf_spectacular_sidecar/" in html or "/api/v1/redoc/redoc.standalone.js" in html
    assert "cdn" not in html.lower()


def test_redocs_bundle_is_the_sidecars_without_its_outside_logo():
    answer = APIClient().get("/api/v1/redoc/redoc.standalone.js")
    bundle = answer.content.decode()

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert "Redoc" in bundle
    assert len(bundle) > 500_000  # the whole bundle, not a stub
    assert "cdn.redoc.ly" not in bundle  # a sidecar upgrade that moves the logo fails here
