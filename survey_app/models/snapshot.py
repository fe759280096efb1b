"""A campaign's published figures frozen at close (结果快照): the rows, tree and settings the
reports are computed from, stored once and never changed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from survey_app.dates import today
from survey_app.extensions import db


class ResultSnapshot(db.Model):
    """The input of a campaign's reports as it was when its answers stopped changing.

    ``content`` is one Parquet file (the response rows, without superseded revisions and with
    dates cut to the month) whose key-value metadata holds the campaign's facts: the
    organisation tree, the rater groups, the item specs, the dimension weights and the
    minimum group size (:func:`analysis.parquet.campaign_facts`). ``period`` is the month of
    a rolling campaign (``YYYY-MM``), empty for a whole campaign. A reopening ends a
    snapshot's currency (``current`` False) and the next close makes release ``n + 1``.
    """

    __tablename__ = "result_snapshots"
    __table_args__ = (UniqueConstraint("campaign_id", "period", "release"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), default="")
    release: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[date] = mapped_column(Date, default=today)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    def __repr__(self) -> str:
        return f"<ResultSnapshot {self.campaign_id} {self.period or '-'} r{self.release}>"
