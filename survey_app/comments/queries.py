"""Reads: the comments of a campaign, their review, and what may be released."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, select

from analysis.disclosure import min_group_size
from analysis.redaction import apply_masks, suggest_masks
from survey_app.extensions import db
from survey_app.models import Campaign, Organisation, Response
from survey_app.models.comment import CommentReview, ReviewState
from survey_app.questionnaire_versions import questionnaire_of
from survey_app.release_policy import (
    figures_released,
    is_rolling,
    next_month,
    released_periods,
)
from survey_app.reports.loading import load_comments

COLUMNS = ["target_id", "rater_group", "field_id", "text"]


def digest(text: str) -> str:
    """The key of a comment's text in the review table (SHA-256, hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def comment_fields(campaign: Campaign) -> list[str]:
    """Ids of the free-text questions of the campaign's questionnaires."""
    out: list[str] = []
    for group in campaign.rater_groups:
        for f in questionnaire_of(group.questionnaire_version).fields():
            if f.type == "text" and f.kind == "question" and f.id not in out:
                out.append(f.id)
    return out


def comment_cutoff(campaign: Campaign) -> date | None:
    """Comments of a rolling campaign come from its ended months only (the first day of the
    month after the last released one); annual campaigns: all, once closed."""
    if not is_rolling(campaign):
        return None
    periods = released_periods(campaign)
    return next_month(periods[-1]) if periods else date.min


def group_sizes(campaign: Campaign, before: date | None = None) -> pd.Series:
    """Responses per target unit of the campaign (submitted before ``before``)."""
    query = select(Response.target_id, func.count()).where(Response.campaign_id == campaign.id)
    if before is not None:
        query = query.where(Response.submitted_on < before)
    rows = db.session.execute(query.group_by(Response.target_id)).all()
    return pd.Series({int(t): int(n) for t, n in rows}, dtype="int64")


def eligible_comments(campaign: Campaign, fields: list[str] | None = None) -> pd.DataFrame:
    """The raw comments of units whose group reaches the campaign's minimum size ``k``
    (``target_id, rater_group, field_id, text, digest``); smaller groups' comments are never
    shown, reviewed or released."""
    fields = comment_fields(campaign) if fields is None else list(fields)
    if not fields or not figures_released(campaign):  # never while comments still arrive
        return pd.DataFrame(columns=[*COLUMNS, "digest"])
    before = comment_cutoff(campaign)
    frame = load_comments(db.engine, campaign.code, fields, before=before)
    sizes = group_sizes(campaign, before)
    k = min_group_size(campaign.min_group_size)
    big = set(sizes[sizes >= k].index)
    frame = frame[frame["target_id"].isin(big)].copy()
    frame["digest"] = frame["text"].map(digest)
    return frame.reset_index(drop=True)


def reviews(campaign: Campaign) -> dict[tuple[int, str, str], CommentReview]:
    rows = db.session.scalars(
        select(CommentReview).where(CommentReview.campaign_id == campaign.id)).all()
    return {(r.target_id, r.field_id, r.digest): r for r in rows}


@dataclass
class QueueItem:
    target: Organisation
    field_id: str
    digest: str
    text: str
    suggested: str
    masks: int
    state: str
    masked_text: str


def queue(campaign: Campaign, state: str | None = None) -> list[QueueItem]:
    """The review queue: one item per distinct comment of a unit (identical texts of one unit
    are one item), pending first; ``state`` filters."""
    frame = eligible_comments(campaign)
    if frame.empty:
        return []
    frame = frame.drop_duplicates(["target_id", "field_id", "digest"])
    done = reviews(campaign)
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(
        Organisation.id.in_([int(t) for t in frame["target_id"].unique()])))}
    items = []
    for t, f, d, text in frame[["target_id", "field_id", "digest", "text"]].itertuples(
            index=False):
        review = done.get((int(t), f, d))
        suggested = apply_masks(text)
        item = QueueItem(orgs[int(t)], f, d, text, suggested, len(suggest_masks(text)),
                         review.state if review else ReviewState.PENDING.value,
                         review.masked_text if review else suggested)
        if state is None or item.state == state:
            items.append(item)
    order = {ReviewState.PENDING.value: 0, ReviewState.RELEASED.value: 1,
             ReviewState.WITHHELD.value: 2}
    items.sort(key=lambda i: (order[i.state], i.target.code, i.field_id))
    return items


def released_comment_frame(campaign: Campaign, fields: list[str] | None = None) -> pd.DataFrame:
    """``target_id, rater_group, field_id, text``: only released comments of groups at or
    above ``k``, with the reviewed (masked) text in place of the raw answer."""
    frame = eligible_comments(campaign, fields)
    released = {key: r.masked_text for key, r in reviews(campaign).items()
                if r.state == ReviewState.RELEASED.value}
    if frame.empty or not released:
        return pd.DataFrame(columns=COLUMNS)
    keys = list(zip(frame["target_id"].astype(int), frame["field_id"], frame["digest"],
                    strict=True))
    frame["text"] = [released.get(key) for key in keys]
    frame = frame[frame["text"].notna() & (frame["text"].str.strip() != "")]
    return frame[COLUMNS].reset_index(drop=True)


def released_comments(campaign: Campaign, unit: Organisation) -> list[str]:
    """The released, masked comments of one unit (empty below the minimum group size),
    shuffled, bare text: what reports, exports and public pages may show."""
    frame = released_comment_frame(campaign)
    texts = frame.loc[frame["target_id"] == unit.id, "text"]
    return list(texts.sample(frac=1).to_numpy()) if len(texts) else []


def released_text_by_response(campaign: Campaign, answers: pd.DataFrame,
                              fields: list[str]) -> pd.DataFrame:
    """Per response (``answers``: ``response_id, target_id, answers``), the released, masked
    text of each free-text field; blank where the comment is unreleased, withheld, or of a
    unit below the minimum group size."""
    sizes = group_sizes(campaign)
    k = min_group_size(campaign.min_group_size)
    big = set(int(t) for t in sizes[sizes >= k].index)
    released = {key: r.masked_text for key, r in reviews(campaign).items()
                if r.state == ReviewState.RELEASED.value}
    out = pd.DataFrame(index=answers["response_id"].astype(str).to_numpy())
    for f in fields:
        texts = []
        for target, parsed in zip(answers["target_id"], answers["answers"], strict=True):
            raw = parsed.get(f) if isinstance(parsed, dict) else None
            ok = isinstance(raw, str) and raw.strip() and int(target) in big
            texts.append(released.get((int(target), f, digest(raw.strip())), "") if ok else "")
        out[f] = texts
    return out
