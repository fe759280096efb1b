"""Home page and language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session

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
    return {"status": "ok"}
