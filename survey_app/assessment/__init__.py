"""Performance assessment (绩效考核): inputs by upper unions, results, export.

The scoring itself is :mod:`analysis.assessment` (pure pandas) under a scheme from
:mod:`questionnaires.assessment`; this package stores inputs and results and shows them.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

from survey_app.assessment import views  # noqa: E402,F401 - registers the routes
