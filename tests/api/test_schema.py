"""The OpenAPI schema, its docs, and a fuzz run of every operation against it."""

import io
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from api.services import api_key_create
from sla.models import SLAPolicy

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
def test_the_schema_is_openapi_3_generated_from_the_code_with_examples(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/tickets/", "/api/v1/tickets/{number}/cancel/", "/api/v1/devices/{serial_number}/warranty/",
            "/api/v1/webhooks/", "/api/v1/merchants/{id}/"} <= set(schema["paths"])  # fmt: skip
    filing = schema["paths"]["/api/v1/tickets/"]["post"]
    assert filing["requestBody"]["content"]["application/json"]["examples"]
    assert filing["responses"]["201"]["content"]["application/json"]["examples"]
    assert "application/problem+json" in filing["responses"]["422"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in filing["parameters"])
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["in"] == "header"


def test_the_schema_is_the_published_contract(tmp_path):
    """Partners build on docs/openapi.yaml; a change to the API shows up here first. After a change
    made on purpose, on PostgreSQL (integer bounds follow the database):
    python manage.py spectacular --lang en --file docs/openapi.yaml"""
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--file", str(generated))
    assert generated.read_text(encoding="utf-8") == (ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_docs_are_served_from_our_own_static_files(client):
    page = client.get("/api/docs/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


@pytest.fixture
def fuzz_key(db, settings):
    """The demo data and a key of the demo partner; the rate limit out of the way."""
    SLAPolicy.objects.all().delete()  # the demo brings its own policies
    call_command("seed_demo", stdout=io.StringIO())

    settings.API_THROTTLE_RATES = {"key": "100000/min", "user": "100000/min", "anon": "100000/min"}
    return api_key_create(partner=User.objects.get(username="partner").partner, name="fuzz")[1]


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}


@pytest.fixture
def wsgi_app():
    """Django's WSGI app, without closing the test's database connection after each request (as
    Django's own test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_no_operation_fails_or_breaks_its_schema(fuzz_key, wsgi_app):
    """Every operation, with generated valid and invalid input: never a 5xx, and every answer (status
    code, content type, headers, body) is what the schema says.

    Runs in-process over WSGI against the seeded test database (one transaction, rolled back at the
    end), derandomized so a failure reproduces. Each operation gets its own Hypothesis run; failures
    are collected so one report names every operation at fault.
    """
    api = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    headers = {"Authorization": f"Api-Key {fuzz_key}"}
    failures, operations = [], 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in EXAMPLES_PER_OPERATION.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Exception as failure:
                failures.append(f"{operation.label} ({mode}): {failure}")
    assert operations >= 19
    assert not failures, "\n\n".join(failures)
