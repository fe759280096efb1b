"""The OpenAPI side of the API: flask-smorest bound to the app, the document generated from
the routes and schemas at ``/api/v1/openapi.json``.

flask-smorest is used for its plain Flask blueprints (no app subclass, unlike APIFlask),
its webargs/marshmallow validation and its apispec document generation. Its own error
handler is not installed: :mod:`survey_app.errors` answers every error under ``/api/`` with a
problem document, and the document's error responses say so.
"""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from survey_app.api.schemas import ProblemSchema
from survey_app.extensions import csrf

PROBLEM_CONTENT_TYPE = "application/problem+json"


class PingjiaApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are answered by survey_app.errors (problem documents under /api/)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem document (RFC 9457), in English and Chinese",
                    "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


api = PingjiaApi()

DESCRIPTION = (
    "The open API of Pingjia (评家) for 网上职工之家 portals, mini-programs and union apps. "
    "Every call needs `Authorization: Bearer <token>`; a token is scoped to one union's "
    "subtree and to read or write per resource. Session cookies are never accepted. Errors "
    "are RFC 9457 problem documents with English and Chinese messages. Lists are paged by "
    "cursor; reads carry an ETag and answer 304 to a matching If-None-Match.")


def init_app(app: Flask, *blueprints) -> None:
    app.config.setdefault("API_TITLE", "Pingjia open API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "An API token (pj_…), created by a union admin"}}},
    })
    api.init_app(app)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer tokens only: no cookie, so nothing to forge
