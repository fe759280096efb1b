"""Committee members (工会委员) of a union, rated by the members in a 述职评议.

A union lists its chair, vice-chairs and members by name and role, each with a short
述职报告 shown to raters. A committee member may be linked to an account (``user_id``):
that account, and no other of the same union, sees the person's own result (see
``permissions.can_see_person_result``).
"""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.organisation import Organisation
from survey_app.models.user import User


class CommitteeRole(enum.StrEnum):
    CHAIR = "chair"  # 工会主席
    VICE_CHAIR = "vice_chair"  # 副主席
    MEMBER = "member"  # 委员


class CommitteeMember(db.Model):
    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default=CommitteeRole.MEMBER.value)
    #: the 述职报告 shown to raters (plain text)
    report: Mapped[str] = mapped_column(Text, default="")
    #: the person's own account, if any: it sees this person's result
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CommitteeMember {self.name} {self.role}>"
