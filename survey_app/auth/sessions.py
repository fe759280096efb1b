"""Staff sessions: how one starts, ends, times out and waits for a second factor.

* A new session on every login and logout (no fixation); the language survives, and so does
  Flask-Login's order to delete the remember-me cookie at logout.
* The session records when the password login happened and the last request: after
  ``SESSION_IDLE_MINUTES`` without a request, or ``SESSION_MAX_HOURS`` after the login, the
  next request ends it and sends the user to the login page with a message saying why.
* An account whose role must use two-factor authentication and has not enrolled yet reaches
  only the enrolment page (and logout) until it has.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from survey_app import dates
from survey_app.models import User

#: Session keys that outlive a login or a logout.
_KEPT_KEYS = ("lang", "_remember")
#: The idle clock is written back at most this often (seconds), not on every request.
_SEEN_RESOLUTION = 15
#: A password login waits this long for its second factor.
PENDING_SECONDS = 300
#: Endpoints an account that must enrol in two-factor authentication may still reach.
_ENROLMENT_ENDPOINTS = {
    "auth.two_factor_setup", "auth.logout", "static", "home.set_language", "home.healthz",
}


def fresh_session() -> None:
    """Empty the session, keeping the language and a pending remember-cookie deletion."""
    kept = {key: session[key] for key in _KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)


def start(user: User, remember: bool) -> None:
    """Log ``user`` in on a new session (after every factor has been checked)."""
    fresh_session()
    session.pop("_remember", None)
    duration = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    login_user(user, remember=remember, duration=duration)
    moment = dates.now().timestamp()
    session["_auth_at"] = session["_seen_at"] = moment


def renew(user: User) -> None:
    """Carry the current session over to the account's new session version (after the user
    changed the password or two-factor settings, which ended every other session)."""
    session["_user_id"] = user.get_id()
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        session["_remember"] = "set"


def end() -> None:
    logout_user()
    fresh_session()


def begin_second_factor(user: User, remember: bool, next_url: str | None) -> None:
    """After the password: remember, for a few minutes, who is waiting for the second factor."""
    fresh_session()
    session["_2fa"] = {"user": user.get_id(), "at": dates.now().timestamp(),
                       "remember": bool(remember), "next": next_url}


def pending_second_factor() -> dict | None:
    pending = session.get("_2fa")
    if not pending or dates.now().timestamp() - pending["at"] > PENDING_SECONDS:
        session.pop("_2fa", None)
        return None
    return pending


def enforce_rules():
    """Before every request: end an idle or too old session; hold back an account that must
    enrol in two-factor authentication. Returns a redirect, or None to go on."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    config = current_app.config
    moment = dates.now().timestamp()
    started = session.setdefault("_auth_at", moment)  # restored from a remember-me cookie
    seen = session.get("_seen_at", moment)
    if moment - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return _expired(_("Your session ended after %(n)d minutes without activity. Please "
                          "log in again.", n=config["SESSION_IDLE_MINUTES"]))
    if moment - started > config["SESSION_MAX_HOURS"] * 3600:
        return _expired(_("Your session reached its maximum length of %(n)d hours. Please "
                          "log in again.", n=config["SESSION_MAX_HOURS"]))
    if moment - seen >= _SEEN_RESOLUTION or "_seen_at" not in session:
        session["_seen_at"] = moment
    if (current_user.role in config["TWO_FACTOR_REQUIRED_ROLES"]
            and not current_user.two_factor_enabled
            and request.endpoint not in _ENROLMENT_ENDPOINTS):
        flash(_("Your role must use two-factor authentication. Set it up to continue."),
              "info")
        return redirect(url_for("auth.two_factor_setup"))
    return None


def _expired(message: str):
    end()
    flash(message, "info")
    target = request.full_path if request.method == "GET" and request.query_string \
        else request.path
    return redirect(url_for("auth.login", next=target if request.method == "GET" else None))
