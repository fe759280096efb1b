"""Accounts and roles, and what an account knows about its own sign-ins.

Besides the password hash, an account keeps:

* ``session_version``: a number carried in every session and remember-me cookie (through
  :meth:`User.get_id`); bumping it (logout, password change, disabling the account) makes
  every earlier cookie worthless on the server.
* the failed-login counters behind the time-based lockout;
* the TOTP secret and hashed one-time recovery codes of two-factor authentication.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.organisation import Organisation

_hasher = PasswordHasher()
#: The test suite hashes many passwords; cheap parameters there (never outside testing).
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
#: A hash of a random password per hasher, verified when there is no account to verify
#: against, so that an unknown username costs the same time as a known one.
_dummy_hashes: dict[int, str] = {}


def _password_hasher() -> PasswordHasher:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.testing:
        return _test_hasher
    return _hasher


def spend_password_check(password: str) -> None:
    """Verify ``password`` against a dummy hash: the time of a real check, always failing."""
    import secrets

    hasher = _password_hasher()
    dummy = _dummy_hashes.get(id(hasher))
    if dummy is None:
        dummy = _dummy_hashes[id(hasher)] = hasher.hash(secrets.token_urlsafe(24))
    try:
        hasher.verify(dummy, password)
    except (VerificationError, InvalidHashError):
        pass


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "platform_admin"  # 平台管理员: everything
    UNION_ADMIN = "union_admin"  # 工会管理员: a subtree's campaigns, codes, results
    EVALUATOR = "evaluator"  # 评议账号: rates other units on behalf of its organisation
    ASSESSOR = "assessor"  # 第三方评议员: outside assessor
    ANALYST = "analyst"  # 分析员: reads results and exports of a subtree


#: Roles that must be tied to an organisation.
SCOPED_ROLES = frozenset({Role.UNION_ADMIN, Role.EVALUATOR, Role.ANALYST})


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Lockouts since the last successful login: each one lasts twice the one before.
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation | None] = relationship()
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: stored in the session and the remember cookie
        return f"{self.id}:{self.session_version}"

    def revoke_sessions(self) -> None:
        """Make every session and remember-me cookie issued so far worthless."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = _password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and _aware(self.locked_until) > now

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    def can_see_org(self, org: Organisation) -> bool:
        """Whether this account's scope covers ``org`` (its own subtree, or everything)."""
        if self.role == Role.PLATFORM_ADMIN:
            return True
        if self.organisation is None:
            return False
        return org.is_within(self.organisation)


def load_session_user(session_id: str) -> User | None:
    """The account a session or remember cookie names, if that cookie is still valid.

    ``session_id`` is :meth:`User.get_id`'s ``"id:version"``; a cookie of an older version
    (the account logged out, changed its password or was disabled since) or of a disabled
    account names nobody.
    """
    user_id, _, version = session_id.partition(":")
    try:
        user = db.session.get(User, int(user_id))
        wanted = int(version)
    except ValueError:
        return None
    if user is None or not user.active or user.session_version != wanted:
        return None
    return user


class RecoveryCode(db.Model):
    """A one-time recovery code of two-factor authentication, kept as a SHA-256 digest
    (the codes are random, 50 bits each: a slow hash adds nothing against guessing)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    @staticmethod
    def digest(code: str) -> str:
        normalised = code.replace("-", "").replace(" ", "").strip().upper()
        return hashlib.sha256(normalised.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
