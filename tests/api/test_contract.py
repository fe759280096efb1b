"""The API against its own document, by Schemathesis (property-based, driven by the
OpenAPI document): generated requests, valid and invalid, with a read token and with a
write token, must get no server error and no answer the document does not describe (status
code, content type, body schema, headers).

A modest budget (:data:`EXAMPLES` per operation and token) keeps the run well under a
minute; ``SCHEMATHESIS_EXAMPLES`` raises it for a longer hunt.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import bearer, make_token

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", 12))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture(scope="module", autouse=True)
def _keep_the_questionnaire_library():
    """Schemathesis looks for constants in the application's modules and, doing so, imports
    ``questionnaires.library`` (the folder of YAML files) as a namespace package, which
    replaces the function :func:`questionnaires.library` on the package for the rest of the
    process. Put it back for the tests that run after these."""
    import sys

    import questionnaires
    from questionnaires.loader import library

    yield
    questionnaires.library = library
    sys.modules.pop("questionnaires.library", None)


@pytest.fixture(scope="module")
def api_schema(demo_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)


@pytest.fixture(scope="module")
def contract_tokens(demo_app):
    from survey_app.models.api import API_SCOPES

    with demo_app.app_context():
        return {"read": make_token("DEMO-CITY", *[s for s in API_SCOPES if s.endswith(":read")]),
                "write": make_token("DEMO-D01", *API_SCOPES)}


schema = schemathesis.pytest.from_fixture("api_schema")
FAST = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FAST
def test_the_api_keeps_its_document_with_a_read_token(case, contract_tokens):
    case.call_and_validate(headers=bearer(contract_tokens["read"]), checks=CHECKS)


@schema.parametrize()
@FAST
def test_the_api_keeps_its_document_with_a_write_token(case, contract_tokens):
    case.call_and_validate(headers=bearer(contract_tokens["write"]), checks=CHECKS)


@pytest.fixture(scope="module")
def platform_token(demo_app):
    from survey_app.models.api import API_SCOPES

    with demo_app.app_context():
        return make_token("DEMO-CITY", *API_SCOPES, platform_admin=True)


@schema.include(path="/api/v1/organisations/import").parametrize()
@FAST
def test_the_platform_routes_keep_their_document_with_a_platform_token(case, platform_token):
    case.call_and_validate(headers=bearer(platform_token), checks=CHECKS)
