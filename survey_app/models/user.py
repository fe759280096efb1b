"""Accounts and roles."""

from __future__ import annotations

import enum
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


def _password_hasher() -> PasswordHasher:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.testing:
        return _test_hasher
    return _hasher


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

    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = _password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    def can_see_org(self, org: Organisation) -> bool:
        """Whether this account's scope covers ``org`` (its own subtree, or everything)."""
        if self.role == Role.PLATFORM_ADMIN:
            return True
        if self.organisation is None:
            return False
        return org.is_within(self.organisation)
