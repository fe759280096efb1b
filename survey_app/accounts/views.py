"""Accounts pages (/accounts/): list, create, role and unit, disable and enable, reset."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_app.accounts import operations as ops
from survey_app.accounts.forms import (
    ROLE_LABELS,
    AccountFilterForm,
    AccountForm,
    ActionForm,
    NewAccountForm,
)
from survey_app.accounts.queries import accounts, units
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import Organisation, Role, User
from survey_app.permissions import (
    ACCOUNT_MANAGERS,
    can_manage_account,
    current_scope,
    grantable_roles,
    require_org_in_scope,
    roles_required,
)

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _account_or_abort(user_id: int) -> User:
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    if not can_manage_account(current_user, account):
        abort(403)
    return account


def _unit_choices() -> list[tuple[str, str]]:
    return [(o.code, f"{o.code} {o.name}") for o in units(current_scope())]


def _fill_choices(form: AccountForm) -> None:
    form.role.choices = [(r.value, ROLE_LABELS[r.value]) for r in grantable_roles(current_user)]
    form.unit.choices = ([("", "—")] if current_user.role == Role.PLATFORM_ADMIN else []) \
        + _unit_choices()


def _unit_of(form: AccountForm) -> Organisation | None:
    if not form.unit.data:
        return None
    org = db.session.scalar(select(Organisation).where(Organisation.code == form.unit.data))
    return require_org_in_scope(org)


@bp.get("/")
@roles_required(*ACCOUNT_MANAGERS)
def index():
    form = AccountFilterForm(request.args)
    form.unit.choices = [("", _("All units"))] + _unit_choices()
    form.role.choices = [("", _("All roles"))] + [(k, v) for k, v in ROLE_LABELS.items()]
    unit = None
    if form.unit.data:
        unit = require_org_in_scope(db.session.scalar(
            select(Organisation).where(Organisation.code == form.unit.data)))
    rows = accounts(current_scope(), unit, form.role.data or None,
                    subtree=request.args.get("only") != "unit")
    return render_template("accounts/index.html", form=form, rows=rows, roles=ROLE_LABELS,
                           unit=unit)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ACCOUNT_MANAGERS)
def create():
    form = NewAccountForm()
    _fill_choices(form)
    if request.method == "GET":  # prefilled from a campaign's list of units without account
        form.unit.data = request.args.get("unit", form.unit.data)
        form.role.data = request.args.get("role", form.role.data)
    if form.validate_on_submit():
        try:
            account, password = ops.create_account(
                current_user, form.username.data, Role(form.role.data), _unit_of(form))
        except DomainError as refusal:
            db.session.rollback()
            form.username.errors.append(str(refusal))
        else:
            db.session.commit()
            return render_template("accounts/password.html", account=account,
                                   password=password, roles=ROLE_LABELS, created=True)
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("accounts/edit.html", form=form, account=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ACCOUNT_MANAGERS)
def edit(user_id: int):
    account = _account_or_abort(user_id)
    form = AccountForm(data={"role": account.role,
                             "unit": account.organisation.code if account.organisation else ""})
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            ops.update_account(current_user, account, Role(form.role.data), _unit_of(form))
        except DomainError as refusal:
            db.session.rollback()
            form.role.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("accounts.edit", user_id=account.id))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/edit.html", form=form, account=account,
                           action=ActionForm(), roles=ROLE_LABELS), status


@bp.post("/<int:user_id>/active")
@roles_required(*ACCOUNT_MANAGERS)
def set_active(user_id: int):
    account = _account_or_abort(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        ops.set_active(current_user, account, active)
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("accounts.edit", user_id=account.id))
    db.session.commit()
    flash(_("The account is enabled.") if active else _("The account is disabled."), "success")
    return redirect(url_for("accounts.edit", user_id=account.id))


@bp.post("/<int:user_id>/password")
@roles_required(*ACCOUNT_MANAGERS)
def reset_password(user_id: int):
    account = _account_or_abort(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    password = ops.reset_password(current_user, account)
    db.session.commit()
    return render_template("accounts/password.html", account=account, password=password,
                           roles=ROLE_LABELS, created=False)
