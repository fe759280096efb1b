"""Published questionnaire versions: immutable, identified by the hash of their definition."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.organisation import Organisation


class ImmutableVersionError(RuntimeError):
    """Raised on any attempt to change a published questionnaire version."""


class QuestionnaireVersion(db.Model):
    __tablename__ = "questionnaire_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
    #: The unit whose admin first published this content; None for the shipped library and
    #: platform admins (usable by everyone). Campaigns of a unit may use versions owned in
    #: its subtree or above it (see :func:`survey_app.permissions.can_use_questionnaire`).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.key} {self.version} {self.content_hash[:8]}>"


class QuestionnaireKey(db.Model):
    """Who owns a questionnaire key, and so who may publish new versions of it.

    ``owner`` is the union whose admins (and the admins above it) version the key; None is
    the platform: the library's keys and keys whose first version a platform admin
    published.
    """

    __tablename__ = "questionnaire_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )

    owner: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<QuestionnaireKey {self.key} {self.owner_id or 'platform'}>"


@event.listens_for(QuestionnaireVersion, "before_update")
def _refuse_update(mapper, connection, target) -> None:  # noqa: ARG001
    raise ImmutableVersionError(
        f"questionnaire version {target.key} {target.content_hash[:12]} is published and "
        "cannot change; publish a new version instead"
    )
