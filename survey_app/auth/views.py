"""Login, the second factor, logout, the account page and the platform admin's accounts page."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from survey_app import dates
from survey_app.auth import operations, queries, sessions
from survey_app.auth.forms import (
    AccountActionForm,
    ChangePasswordForm,
    DisableTwoFactorForm,
    EnrolForm,
    LoginForm,
    SecondFactorForm,
)
from survey_app.errors import DomainError
from survey_app.extensions import db, limiter
from survey_app.models import Role, User
from survey_app.models.user import load_session_user
from survey_app.permissions import roles_required
from survey_app.security import safe_next_url

bp = Blueprint("auth", __name__, url_prefix="/auth")

EVERY_ROLE = tuple(Role)
bp.before_app_request(sessions.enforce_rules)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _refused():
    return _("Wrong username or password.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.username.data, form.password.data)
        if user is None:
            flash(_refused(), "error")
            return render_template("auth/login.html", form=form), 200
        next_url = request.args.get("next")
        if user.two_factor_enabled:
            sessions.begin_second_factor(user, form.remember.data, next_url)
            return redirect(url_for("auth.second_factor"))
        operations.note_success(user)
        sessions.start(user, remember=form.remember.data)
        return redirect(safe_next_url(next_url))
    return render_template("auth/login.html", form=form)


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def second_factor():
    pending = sessions.pending_second_factor()
    user = load_session_user(pending["user"]) if pending else None
    if user is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        used = operations.verify_second_factor(user, form.code.data)
        if used is None:
            form.code.errors.append(_("The code is wrong or has already been used."))
            return render_template("auth/second_factor.html", form=form), 200
        operations.note_success(user)
        sessions.start(user, remember=pending["remember"])
        if used.method == "recovery":
            flash(_("You used a recovery code; %(n)d are left. Each works only once.",
                    n=used.recovery_codes_left), "info")
        return redirect(safe_next_url(pending["next"]))
    return render_template("auth/second_factor.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        operations.end_sessions(current_user)
    sessions.end()
    flash(_("You have logged out."), "info")
    return redirect(url_for("home.index"))


# ---------------------------------------------------------------- the account page


@bp.get("/account")
@roles_required(*EVERY_ROLE)
def account():
    left = sum(1 for c in current_user.recovery_codes if c.used_at is None)
    return render_template(
        "auth/account.html", disable_form=DisableTwoFactorForm(), recovery_left=left,
        required=operations.two_factor_required(current_user),
    )


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*EVERY_ROLE)
def change_password():
    form = ChangePasswordForm(current_user.username)
    if form.validate_on_submit():
        try:
            operations.change_own_password(current_user, form.current.data, form.new.data)
        except operations.WrongPassword as error:
            form.current.errors.append(str(error))
        except operations.PasswordRejected as error:
            form.new.errors.append(str(error))
        else:
            sessions.renew(current_user)
            flash(_("Your password has been changed. Your other sessions have ended."),
                  "info")
            return redirect(url_for("auth.account"))
        return render_template("auth/password.html", form=form), 422
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@roles_required(*EVERY_ROLE)
def two_factor_setup():
    if current_user.two_factor_enabled:
        return redirect(url_for("auth.account"))
    secret = session.get("_totp_pending")
    if not secret:
        secret = session["_totp_pending"] = operations.new_totp_secret()
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        codes = operations.enable_two_factor(current_user, secret, form.code.data)
        if codes is not None:
            session.pop("_totp_pending", None)
            sessions.renew(current_user)
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors.append(_("The code is wrong. Check the time on your phone and type "
                                  "the code shown now."))
        status = 422
    uri = operations.provisioning_uri(current_user, secret)
    return render_template("auth/two_factor_setup.html", form=form, secret=secret,
                           qr_data_uri=_qr_svg_data_uri(uri)), status


@bp.post("/two-factor/disable")
@roles_required(*EVERY_ROLE)
def two_factor_disable():
    form = DisableTwoFactorForm()
    if form.validate_on_submit() and current_user.two_factor_enabled:
        try:
            operations.disable_two_factor(current_user, form.password.data, current_user)
        except operations.WrongPassword as error:
            flash(str(error), "error")
            return redirect(url_for("auth.account"))
        sessions.renew(current_user)
        flash(_("Two-factor authentication is off."), "info")
    return redirect(url_for("auth.account"))


def _qr_svg_data_uri(text: str) -> str:
    """The QR code of ``text`` as an inline SVG image (no request leaves the page)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8,
                        border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


# ---------------------------------------------------------------- platform admin: accounts


@bp.get("/accounts")
@roles_required(Role.PLATFORM_ADMIN)
def accounts():
    return render_template("auth/accounts.html", accounts=queries.all_accounts(),
                           now=dates.now(), form=AccountActionForm())


def _account_action(user_id: int, action) -> object:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not AccountActionForm().validate_on_submit():
        abort(400)
    try:
        action(user)
    except DomainError as error:
        flash(str(error), "error")
    return redirect(url_for("auth.accounts"))


@bp.post("/accounts/<int:user_id>/unlock")
@roles_required(Role.PLATFORM_ADMIN)
def unlock(user_id: int):
    return _account_action(user_id, lambda u: operations.unlock(u, current_user))


@bp.post("/accounts/<int:user_id>/disable")
@roles_required(Role.PLATFORM_ADMIN)
def disable(user_id: int):
    return _account_action(user_id, lambda u: operations.set_active(u, False, current_user))


@bp.post("/accounts/<int:user_id>/enable")
@roles_required(Role.PLATFORM_ADMIN)
def enable(user_id: int):
    return _account_action(user_id, lambda u: operations.set_active(u, True, current_user))


@bp.app_context_processor
def _locked_accounts_notice() -> dict:
    """The number of locked accounts, for the platform admin's navigation bar."""
    def locked_accounts() -> int:
        if current_user.is_authenticated and current_user.has_role(Role.PLATFORM_ADMIN):
            return queries.locked_account_count(dates.now())
        return 0

    return {"locked_accounts": locked_accounts}
