"""When figures about a campaign's answers may be seen, by anyone (the release policy).

Members rate their own union's leaders, and those leaders administer the platform. A page
that changes the moment one member submits tells whoever watches it what that member
answered, so no figure computed from answers may move while answers still arrive:

* **Annual campaigns** (every kind but 日常评议) show no figure, count or comment computed from
  their answers while they are *draft* or *open*, to anyone: platform admins included, on
  every page, export, chart and command. Once closed, no answer can arrive any more, and the
  figures are computed from the answers as they stood at close (closed for the owner side,
  published for the targets).
* **Rolling campaigns** (日常评议) stay open for months. They release by calendar month
  (:func:`released_periods`): a month's figures appear only once the month has ended, each
  month is a report of its own (the minimum group size applies within the month), and no
  finer time than the month is shown anywhere. The current month is never shown.
* **Participation while open** is a per-unit count of the responses received *before
  today*, rounded down to a multiple of :data:`PARTICIPATION_BAND` (:func:`banded`): it
  moves at most once a day and only by whole bands, and it never says which code was used,
  nor when. Code lists and code sheets show nothing about use.

``docs/anonymity.md`` states the promise and the threat model this serves.
"""

from __future__ import annotations

from datetime import date

from questionnaires.vocabulary import CampaignKind, CampaignStatus
from survey_app.dates import today

#: Participation counts of open campaigns are rounded down to multiples of this.
PARTICIPATION_BAND = 5

#: Statuses in which an annual campaign's figures exist.
RELEASED_STATUSES = (CampaignStatus.CLOSED.value, CampaignStatus.PUBLISHED.value)


def is_rolling(campaign) -> bool:
    """日常评议: answers arrive continuously; figures are released month by month."""
    return campaign.kind == CampaignKind.DAILY.value


def accepting(campaign) -> bool:
    """Answers may still arrive (draft counts: it may open)."""
    return campaign.status not in RELEASED_STATUSES


def figures_released(campaign, on: date | None = None) -> bool:
    """Whether any figure computed from the campaign's answers may be seen at all."""
    if is_rolling(campaign):
        return campaign.status != CampaignStatus.DRAFT.value and bool(
            released_periods(campaign, on))
    return campaign.status in RELEASED_STATUSES


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(period: str) -> date:
    """The first day of a ``YYYY-MM`` period (``ValueError`` if it is not one)."""
    year, month = period.split("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(f"not a month: {period!r}")
    return date(int(year), int(month), 1)


def next_month(period: str) -> date:
    start = month_start(period)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _months(first: date, last: date) -> list[str]:
    out, day = [], date(first.year, first.month, 1)
    while day <= last:
        out.append(month_of(day))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def released_periods(campaign, on: date | None = None) -> list[str]:
    """The months of a rolling campaign whose figures are released (oldest first): every
    month from its opening to the last month that has ended (all of them once closed).
    Empty for annual campaigns and drafts."""
    if not is_rolling(campaign) or campaign.status == CampaignStatus.DRAFT.value:
        return []
    on = on or today()
    first = campaign.opens_on or (campaign.created_at.date() if campaign.created_at else None)
    if first is None:
        return []
    if campaign.status in RELEASED_STATUSES:  # closed: no answer can arrive any more
        return _months(first, min(campaign.closes_on or on, on))
    current = month_of(on)
    return [m for m in _months(first, on) if m < current]


def period_range(period: str) -> tuple[date, date]:
    """``[first day, first day of the next month)`` of a ``YYYY-MM`` period."""
    return month_start(period), next_month(period)


def banded(count: int, band: int = PARTICIPATION_BAND) -> int:
    """A count rounded down to a multiple of ``band`` (0-4 → 0, 5-9 → 5, ...)."""
    return (max(int(count), 0) // band) * band


def counted_before(on: date | None = None) -> date:
    """Open campaigns count the responses received before this day (today): the figure is
    refreshed once a day, never by a single submission."""
    return on or today()


def response_counts(campaign, by, groups: list[int] | None = None) -> dict:
    """A campaign's responses counted by a column (``by``, e.g. ``Response.target_id``),
    optionally of some rater groups only: exact once the campaign is closed; while it
    accepts answers, those received before today (:func:`counted_before`), each count
    rounded down to a band (:func:`banded`), so that no page moves with one submission."""
    from sqlalchemy import func, select

    from survey_app.extensions import db
    from survey_app.models import Response

    query = select(by, func.count()).where(Response.campaign_id == campaign.id)
    if groups is not None:
        query = query.where(Response.rater_group_id.in_(groups))
    live = accepting(campaign)
    if live:
        query = query.where(Response.submitted_on < counted_before())
    counts = dict(db.session.execute(query.group_by(by)).all())
    return {key: banded(n) if live else int(n) for key, n in counts.items()}

