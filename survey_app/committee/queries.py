"""Reads of the committee 述职评议: committee lists, and each person's verdict shares."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from analysis.committee import person_results
from survey_app.committee.operations import person_field
from survey_app.extensions import db
from survey_app.models import Campaign, CommitteeMember, Organisation, RaterGroup, Response

#: The columns of ``report people`` and of the pages' tables, in order.
PEOPLE_COLUMNS = ["unit_code", "person", "role", "raters", "satisfied_rate", "basic_rate",
                  "unsatisfied_rate", "suppressed"]


def committee_groups(campaign: Campaign) -> list[RaterGroup]:
    """The campaign's rater groups that rate committee members."""
    return [g for g in campaign.rater_groups if (g.settings or {}).get("committee")]


def committee_campaigns() -> list[Campaign]:
    """Campaigns with a committee rater group, newest first."""
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.year.desc(),
                                                             Campaign.code)).all()
    return [c for c in campaigns if committee_groups(c)]


def campaign_by_code(code: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.code == code))


def rated_people(campaign: Campaign) -> list[CommitteeMember]:
    """The committee members the campaign rates, in the order of its questionnaires."""
    ids = [pid for g in committee_groups(campaign) for pid in g.settings.get("people", [])]
    found = {p.id: p for p in db.session.scalars(
        select(CommitteeMember).where(CommitteeMember.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def committee_of(union: Organisation) -> list[CommitteeMember]:
    return list(db.session.scalars(select(CommitteeMember).where(
        CommitteeMember.organisation_id == union.id).order_by(CommitteeMember.id)))


def people_results(campaign: Campaign) -> pd.DataFrame:
    """One row per rated person (:data:`PEOPLE_COLUMNS`, indexed by person id), with the
    campaign's k applied (:func:`analysis.committee.person_results`)."""
    people = rated_people(campaign)
    frame = pd.DataFrame({"unit_code": [p.organisation.code for p in people],
                          "person": [p.name for p in people],
                          "role": [p.role for p in people]},
                         index=pd.Index([p.id for p in people], name="person_id"))
    group_ids = [g.id for g in committee_groups(campaign)]
    answers = db.session.scalars(select(Response.answers).where(
        Response.campaign_id == campaign.id, Response.rater_group_id.in_(group_ids))).all()
    fields = {p.id: person_field(p.id) for p in people}
    verdicts = pd.DataFrame(
        [(pid, a.get(field)) for a in answers for pid, field in fields.items()
         if a.get(field) is not None],
        columns=["person_id", "verdict"])
    return person_results(verdicts, frame, campaign.min_group_size)[PEOPLE_COLUMNS]
