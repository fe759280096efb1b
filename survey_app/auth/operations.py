"""Writes about accounts: signing in (with lockout and the second factor), passwords, sessions,
two-factor enrolment and the platform admin's account actions.

Every refusal of a sign-in gives the same answer whatever its cause (unknown name, wrong
password, disabled or locked account, wrong code), and costs the same: an unknown or
refused account is checked against a dummy hash.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from survey_app import dates
from survey_app.auth import queries
from survey_app.auth.passwords import password_problem
from survey_app.errors import DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.models import RecoveryCode, User
from survey_app.models.audit import record
from survey_app.models.user import spend_password_check

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
TOTP_PERIOD = 30


# ---------------------------------------------------------------- sign-in and lockout


def authenticate(username: str, password: str) -> User | None:
    """The account if the password is right and the account may sign in now, else None.

    The password hasher runs on every path. A failure counts towards the lockout; during a
    lockout even the right password is refused, with the same answer as a wrong one.
    """
    now = dates.now()
    user = queries.user_by_username(username)
    if user is None or not user.active or user.is_locked(now):
        spend_password_check(password)
        return None
    if not user.check_password(password):
        note_failure(user, now)
        return None
    return user


def note_failure(user: User, now: datetime | None = None) -> None:
    """Count a failed password or code; lock the account after too many in the window.

    Each lockout lasts twice the one before (since the last successful login), up to
    ``LOCKOUT_MAX_MINUTES``: an attacker can delay an account, never close it for good.
    """
    now = now or dates.now()
    config = current_app.config
    window = timedelta(minutes=config["LOCKOUT_WINDOW_MINUTES"])
    if user.first_failed_at is None or now - _aware(user.first_failed_at) > window:
        user.first_failed_at, user.failed_logins = now, 1
    else:
        user.failed_logins += 1
    if user.failed_logins >= config["LOCKOUT_THRESHOLD"]:
        user.lockouts = (user.lockouts or 0) + 1
        minutes = min(config["LOCKOUT_MINUTES"] * 2 ** (user.lockouts - 1),
                      config["LOCKOUT_MAX_MINUTES"])
        user.locked_until = now + timedelta(minutes=minutes)
        record("user.lock", "user", user.username, failures=user.failed_logins,
               minutes=minutes, until=user.locked_until.isoformat())
        user.failed_logins, user.first_failed_at = 0, None
    db.session.commit()


def note_success(user: User) -> None:
    """A complete sign-in: the failure counters start again."""
    user.failed_logins, user.first_failed_at, user.lockouts = 0, None, 0
    user.locked_until = None
    db.session.commit()


def two_factor_required(user: User) -> bool:
    return user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]


# ---------------------------------------------------------------- passwords and sessions


class PasswordRejected(DomainError):
    """A new password that breaks the rule; the message says which part."""

    status = 422


class WrongPassword(NotAllowed):
    """The account's current password, asked again before a sensitive change, was wrong."""

    def __init__(self) -> None:
        super().__init__(_l("The password is wrong."))


class CannotDisableSelf(NotAllowed):
    def __init__(self) -> None:
        super().__init__(_l("You cannot disable your own account."))


def check_new_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        raise PasswordRejected(problem)


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """Set a new password (after the rule) and end every other session of the account."""
    check_new_password(password, user.username)
    user.set_password(password)
    user.revoke_sessions()
    record("user.password_change", "user", user.username, user=actor)


def change_own_password(user: User, current: str, new: str) -> None:
    """The signed-in user's change: the current password first (a failure counts)."""
    if not user.check_password(current):
        note_failure(user)
        raise WrongPassword()
    set_password(user, new, actor=user)
    db.session.commit()


def end_sessions(user: User) -> None:
    """Logout: the session and remember-me cookies issued so far stop working."""
    user.revoke_sessions()
    db.session.commit()


# ---------------------------------------------------------------- two-factor authentication


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config["TWO_FACTOR_ISSUER"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def totp_step(secret: str, code: str, after: int | None = None) -> int | None:
    """The time step whose code ``code`` is (now, or one step either side for clock drift),
    if it is later than ``after``; None otherwise."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(dates.now().timestamp()) // TOTP_PERIOD
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(
            totp.at(step * TOTP_PERIOD), code
        ):
            return step
    return None


def enable_two_factor(user: User, secret: str, code: str) -> list[str] | None:
    """Turn on two-factor authentication if ``code`` proves the app holds ``secret``.

    Returns the ten recovery codes (shown once; only their digests are kept), or None for a
    wrong code. Other sessions of the account end.
    """
    step = totp_step(secret, code)
    if step is None:
        return None
    user.totp_secret, user.totp_last_step = secret, step
    user.totp_enabled_at = dates.now()
    codes = _replace_recovery_codes(user)
    user.revoke_sessions()
    record("user.2fa_enable", "user", user.username, user=user)
    db.session.commit()
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=RecoveryCode.digest(raw)))
    return codes


@dataclass
class SecondFactor:
    method: str  # "totp" or "recovery"
    recovery_codes_left: int | None = None


def verify_second_factor(user: User, code: str) -> SecondFactor | None:
    """Check a TOTP code or an unused recovery code; a failure counts towards the lockout."""
    now = dates.now()
    if user.is_locked(now) or not user.two_factor_enabled:
        return None
    step = totp_step(user.totp_secret, code, after=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        db.session.commit()
        return SecondFactor("totp")
    digest = RecoveryCode.digest(code)
    unused = [c for c in user.recovery_codes if c.used_at is None]
    match = next((c for c in unused if hmac.compare_digest(c.code_hash, digest)), None)
    if match is None:
        note_failure(user, now)
        return None
    match.used_at = now
    left = len(unused) - 1
    record("user.2fa_recovery_code_used", "user", user.username, user=user, left=left)
    db.session.commit()
    return SecondFactor("recovery", left)


def disable_two_factor(user: User, password: str, actor: User) -> None:
    """Turn two-factor authentication off; the account's password is required."""
    if not user.check_password(password):
        note_failure(user)
        raise WrongPassword()
    _clear_two_factor(user)
    record("user.2fa_disable", "user", user.username, user=actor)
    db.session.commit()


def reset_two_factor(user: User, actor: User | None) -> None:
    """An operator turns two-factor authentication off for an owner who lost the phone and
    the recovery codes (after checking who is asking); the owner sets it up again."""
    _clear_two_factor(user)
    record("user.2fa_reset", "user", user.username, user=actor)
    db.session.commit()


def _clear_two_factor(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.revoke_sessions()


# ---------------------------------------------------------------- platform admin actions


def unlock(user: User, actor: User | None) -> None:
    user.locked_until, user.failed_logins, user.first_failed_at = None, 0, None
    record("user.unlock", "user", user.username, user=actor)
    db.session.commit()


def set_active(user: User, active: bool, actor: User | None) -> None:
    """Disable (every session ends at once) or enable an account."""
    if actor is not None and actor.id == user.id and not active:
        raise CannotDisableSelf()
    user.active = active
    if not active:
        user.revoke_sessions()
    record("user.enable" if active else "user.disable", "user", user.username, user=actor)
    db.session.commit()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
