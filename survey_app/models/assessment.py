"""Performance assessment (绩效考核): inputs entered by upper unions, and computed results.

Inputs are keyed by (scheme key, year, unit): objective indicators, veto findings and
evidence attachments. A computation is an :class:`AssessmentRun` (one per scheme and year,
replaced on recomputation) with one :class:`AssessmentResult` per assessed unit; it records
the scheme's content hash and the campaign data it read (codes and response counts).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models.organisation import Organisation


def _now() -> datetime:
    return datetime.now(UTC)


class ObjectiveValue(db.Model):
    """An objective indicator of a unit for a year, entered by an upper-level union."""

    __tablename__ = "assessment_objective_values"
    __table_args__ = (UniqueConstraint("scheme_key", "year", "organisation_id", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_key: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organisation: Mapped[Organisation] = relationship()


class VetoFinding(db.Model):
    """A veto item (一票否决) found failed for a unit in a year, with its reason."""

    __tablename__ = "assessment_veto_findings"
    __table_args__ = (UniqueConstraint("scheme_key", "year", "organisation_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_key: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    item: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organisation: Mapped[Organisation] = relationship()


class EvidenceFile(db.Model):
    """An uploaded attachment backing a unit's inputs (stored under UPLOAD_FOLDER)."""

    __tablename__ = "assessment_evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_key: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(40), default="")  # '' = the unit as a whole
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    organisation: Mapped[Organisation] = relationship()


class AssessmentRun(db.Model):
    """One computation of a scheme for a year (recomputing replaces its results)."""

    __tablename__ = "assessment_runs"
    __table_args__ = (UniqueConstraint("scheme_key", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_key: Mapped[str] = mapped_column(String(40))
    scheme_version: Mapped[str] = mapped_column(String(40), default="")
    scheme_hash: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: {"campaigns": {slot: {"code", "status", "responses"} | null}, "inputs_digest": sha256}
    provenance: Mapped[dict] = mapped_column(JSON, default=dict)
    results_digest: Mapped[str] = mapped_column(String(64), default="")
    unit_count: Mapped[int] = mapped_column(Integer, default=0)

    results: Mapped[list[AssessmentResult]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )

    @property
    def published(self) -> bool:
        return self.published_at is not None


class AssessmentResult(db.Model):
    """The assessment of one unit in a run; ``details`` holds values and points per indicator."""

    __tablename__ = "assessment_results"
    __table_args__ = (UniqueConstraint("run_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_runs.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(40), default="")
    rank: Mapped[int | None] = mapped_column(Integer)
    peers: Mapped[int] = mapped_column(Integer, default=0)
    bottom: Mapped[bool] = mapped_column(Boolean, default=False)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    veto_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="complete")
    honours: Mapped[str] = mapped_column(String(400), default="")
    flags: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    run: Mapped[AssessmentRun] = relationship(back_populates="results")
    organisation: Mapped[Organisation] = relationship()
