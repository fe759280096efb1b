"""Home page, language switch, liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session

from survey_app.home.queries import readiness
from survey_app.security import safe_next_url

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.post("/lang")
def set_language():
    """Switch the interface language (form with CSRF token), then go back where we were."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next_url(request.form.get("next")))


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. No I/O, so a database outage does not get every
    instance restarted; readiness is ``/readyz``."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when the database (and Redis, when configured) answer; 503 naming
    the one that does not."""
    checks = readiness()
    ok = all(state == "ok" for state in checks.values())
    return {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503
