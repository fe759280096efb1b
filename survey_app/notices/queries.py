"""Reads for the public notice page: which campaign a unit shows, and its published figures."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field

import qrcode
from sqlalchemy import Select, select

from analysis import reports as R
from survey_app.comments.queries import released_comments
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, CampaignTarget, Organisation
from survey_app.reports.queries import campaign_report


def unit_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def public_campaign(unit: Organisation) -> Campaign | None:
    """The latest published campaign targeting ``unit`` with 公示 turned on."""
    return public_campaign_of(unit.id)


def public_campaign_of(unit_id: int) -> Campaign | None:
    """:func:`public_campaign` by the unit's id."""
    return db.session.scalar(public_campaign_select(unit_id))


def public_campaign_select(unit_id, *columns, shown=Campaign) -> Select:
    """The rule of :func:`public_campaign` as a SELECT of ``columns`` (default: the
    campaign) of ``shown`` (``Campaign`` or an alias of it). ``unit_id`` is a value or a
    column of an enclosing query: the member path reads the campaign's id and name as
    correlated subqueries of its code look-up (``member_surveys.queries``)."""
    return (
        select(*(columns or (shown,))).select_from(shown)
        .join(CampaignTarget, CampaignTarget.campaign_id == shown.id)
        .where(CampaignTarget.organisation_id == unit_id,
               shown.status == CampaignStatus.PUBLISHED.value,
               shown.public_results.is_(True))
        .order_by(shown.year.desc().nulls_last(), shown.id.desc()).limit(1))


def _num(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


@dataclass
class Notice:
    campaign: Campaign
    unit: Organisation
    published: bool
    k: int
    n: int | None = None
    overall: float | None = None
    satisfaction_rate: float | None = None
    dimensions: list[dict] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def notice(campaign: Campaign, unit: Organisation) -> Notice:
    """What the published report shows for ``unit``: its row of the report, whose
    disclosure control ran over the whole tree; nothing when the unit is withheld."""
    report = campaign_report(campaign)
    k = campaign.min_group_size
    if report is None or not report.is_published(unit.id):
        return Notice(campaign, unit, False, report.k if report else k)
    row = R.unit_summary(report, unit.id)
    dims = R.dimension_scores(report, unit.id)
    return Notice(
        campaign, unit, True, report.k, n=int(row["n"]), overall=_num(row["overall"]),
        satisfaction_rate=_num(row["satisfaction_rate"]),
        dimensions=[{"label": r["label"], "index": _num(r["index"]),
                     "rate": _num(r["satisfaction_rate"])}
                    for _d, r in dims.iterrows() if _num(r["index"]) is not None],
        comments=released_comments(campaign, unit))


def qr_data_uri(url: str, box_size: int = 6) -> str:
    """A PNG QR code of ``url`` as a data: URI (allowed by the page's CSP ``img-src``)."""
    image = qrcode.make(url, box_size=box_size, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
