"""Result snapshots: the input of a campaign's reports, frozen once its answers stop changing.

Every figure of a closed campaign (every report page, chart, export, the API, the
assessment's member scores) is computed from its snapshot, never from the live tables, so
nothing done after close moves a published figure: not a unit moved to another parent or
renamed (a hidden unit would be its old parent's figure minus its new one), not a raised
minimum group size (two suppression patterns of the same answers can be subtracted), not a
revision or deletion of a row. The snapshot holds the rows as the reports read them
(superseded revisions of named raters left out, dates cut to the month), the organisation
tree, the rater groups, the item specs and the minimum group size, as one Parquet file with
the campaign's facts in its key-value metadata (:mod:`analysis.parquet`).

* An annual campaign is frozen when it closes (:func:`freeze`, called by
  :func:`survey_app.campaigns.operations.transition` after the storage is sealed).
* A rolling campaign (日常评议) is frozen month by month, the first time a month's figures are
  asked for once the month has ended (:func:`snapshot_for`).
* A campaign closed before snapshots existed is frozen the first time its figures are asked
  for (:func:`snapshot_for`); an audit entry records each freeze with its digest.
* Reopening a campaign ends its snapshot's currency; the next close freezes release 2
  (docs/anonymity.md: "A second release after reopening").
"""

from __future__ import annotations

import hashlib
import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from analysis.data import CampaignData
from analysis.parquet import METADATA_KEY, campaign_facts, campaign_from_facts
from survey_app.extensions import db
from survey_app.models import Assignment, Campaign, Submission
from survey_app.models.audit import record
from survey_app.models.snapshot import ResultSnapshot
from survey_app.release_policy import is_rolling, period_range, released_periods
from survey_app.reports.loading import load_campaign


def to_bytes(data: CampaignData) -> bytes:
    """One Parquet file: the rows, and the campaign's facts in the key-value metadata."""
    table = pa.Table.from_pandas(data.responses, preserve_index=False)
    facts = json.dumps(campaign_facts(data, organisations=True), ensure_ascii=False)
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = facts.encode("utf-8")
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buffer, compression="zstd")
    return buffer.getvalue()


def from_bytes(content: bytes) -> CampaignData:
    """The :class:`CampaignData` of :func:`to_bytes`."""
    table = pq.read_table(io.BytesIO(content))
    facts = json.loads(table.schema.metadata[METADATA_KEY].decode("utf-8"))
    return campaign_from_facts(facts, table.to_pandas())


def campaign_data(campaign: Campaign, period: str | None = None) -> CampaignData:
    """The campaign's responses, without the superseded revisions of named raters; for a
    rolling campaign, those of one released month (``period``, ``YYYY-MM``; by default
    the latest), and never the current month's. Dates are cut to the month."""
    data = load_campaign(db.engine, campaign.code)
    old = set(db.session.scalars(
        select(Submission.response_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Assignment.campaign_id == campaign.id, Submission.current.is_(False))))
    if old:
        keep = ~data.responses["response_id"].isin(old)
        data.responses = data.responses[keep].reset_index(drop=True)
    if is_rolling(campaign):
        periods = released_periods(campaign)
        period = period or (periods[-1] if periods else None)
        if period not in periods:
            data.responses = data.responses.iloc[0:0].reset_index(drop=True)
        else:
            start, end = period_range(period)
            day = pd.to_datetime(data.responses["submitted_on"])
            keep = (day >= pd.Timestamp(start)) & (day < pd.Timestamp(end))
            data.responses = data.responses[keep.to_numpy()].reset_index(drop=True)
    if not data.responses.empty:  # no finer time than the month, anywhere downstream
        data.responses["submitted_on"] = (
            pd.to_datetime(data.responses["submitted_on"]).dt.to_period("M").dt.to_timestamp())
    return data



def current(campaign: Campaign, period: str | None = None) -> ResultSnapshot | None:
    return db.session.scalar(select(ResultSnapshot).where(
        ResultSnapshot.campaign_id == campaign.id, ResultSnapshot.period == (period or ""),
        ResultSnapshot.current.is_(True)))


def freeze(campaign: Campaign, period: str | None = None, user=None) -> ResultSnapshot:
    """Store the report input of ``campaign`` (one month of a rolling campaign) as it is
    now, as its current snapshot; the caller commits."""
    data = campaign_data(campaign, period)
    content = to_bytes(data)
    last = db.session.scalar(select(func.max(ResultSnapshot.release)).where(
        ResultSnapshot.campaign_id == campaign.id, ResultSnapshot.period == (period or "")))
    db.session.execute(update(ResultSnapshot).where(
        ResultSnapshot.campaign_id == campaign.id, ResultSnapshot.period == (period or ""))
        .values(current=False))
    snapshot = ResultSnapshot(campaign_id=campaign.id, period=period or "",
                              release=(last or 0) + 1, current=True,
                              responses=len(data.responses),
                              digest=hashlib.sha256(content).hexdigest(), content=content)
    db.session.add(snapshot)
    db.session.flush()
    record("campaign.results_frozen", "campaign", campaign.code, user,
           period=period or "", release=snapshot.release, responses=snapshot.responses,
           digest=snapshot.digest)
    return snapshot


def retire(campaign: Campaign) -> int:
    """A reopened campaign's snapshots stop being current (they are kept); the count."""
    result = db.session.execute(update(ResultSnapshot).where(
        ResultSnapshot.campaign_id == campaign.id, ResultSnapshot.current.is_(True))
        .values(current=False).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def snapshot_for(campaign: Campaign, period: str | None = None) -> ResultSnapshot:
    """The current snapshot, frozen now if there is none yet (a month of a rolling campaign
    just ended, or a campaign closed before snapshots existed). Only for figures the release
    policy releases: the caller checks."""
    found = current(campaign, period)
    if found is not None:
        return found
    try:
        found = freeze(campaign, period)
        db.session.commit()
        return found
    except IntegrityError:  # another request froze it first
        db.session.rollback()
        found = current(campaign, period)
        if found is None:
            raise
        return found


def snapshot_data(snapshot: ResultSnapshot) -> CampaignData:
    data = from_bytes(snapshot.content)
    if data.responses.empty:
        return data
    data.responses["submitted_on"] = pd.to_datetime(data.responses["submitted_on"])
    return data
