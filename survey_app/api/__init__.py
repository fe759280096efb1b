"""The open API, ``/api/v1/``: JSON for union portals, mini-programs and apps.

Described by an OpenAPI 3.1 document generated from the code (flask-smorest, with
marshmallow schemas), served at ``/api/v1/openapi.json`` with a reference page at
``/api/v1/docs``. Only bearer tokens are accepted (:mod:`survey_app.api.auth`); every answer
follows the same permission and disclosure rules as the web pages, by asking the same
functions. See ``docs/api.md``.
"""
