"""Reads of the campaigns area: which campaigns and assignments a user may see, statuses,
progress, the assignment table and its CSV export."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import (
    Assignment,
    Campaign,
    CampaignTarget,
    Draft,
    Notice,
    Organisation,
    Response,
    Role,
    Submission,
    User,
)

NOT_STARTED, DRAFT, SUBMITTED = "not_started", "draft", "submitted"
EXPORT_COLUMNS = ("rater_code", "target_code", "rater_group")


def tree_edges() -> tuple[list[tuple[int, int | None]], dict[str, int]]:
    """The whole tree as (id, parent_id) pairs, and unit code → id (one query)."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.parent_id, Organisation.code)).all()
    return [(r.id, r.parent_id) for r in rows], {r.code: r.id for r in rows}


def resolve_targets(spec: dict, owner: Organisation | None = None) -> list[Organisation]:
    """The units a target specification selects (see docs/campaigns.md).

    - ``subtree``: the root unit and every unit below it;
    - ``level``: every unit of one kind within ``root`` (or the owner's subtree, or all);
    - ``list``: the units with the given codes.
    """
    mode = spec.get("mode")
    if mode == "list":
        codes = list(dict.fromkeys(spec.get("codes", ())))
        found = {o.code: o for o in db.session.scalars(
            select(Organisation).where(Organisation.code.in_(codes)))}
        missing = [c for c in codes if c not in found]
        if missing:
            raise DomainError(f"no unit with code {', '.join(missing)}")
        return [found[c] for c in codes]
    root = owner
    if spec.get("root"):
        root = db.session.scalar(select(Organisation).where(Organisation.code == spec["root"]))
        if root is None:
            raise DomainError(f"no unit with code {spec['root']!r}")
    if mode == "subtree":
        if root is None:
            raise DomainError("a subtree needs a root unit")
        return list(db.session.scalars(root.subtree_query().order_by(Organisation.path)))
    if mode == "level":
        query = select(Organisation).where(Organisation.kind == spec.get("kind"))
        if root is not None:
            query = query.where(Organisation.path.startswith(root.path))
        return list(db.session.scalars(query.order_by(Organisation.path)))
    raise DomainError(f"unknown target mode {mode!r}")


def managed_campaigns_query(user: User):
    """The campaigns ``user`` may manage: all for platform admins, else those owned in
    their subtree."""
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if user.role == Role.PLATFORM_ADMIN:
        return query
    scope = user.organisation
    if user.role != Role.UNION_ADMIN or scope is None:
        return query.where(False)
    return query.join(Organisation, Campaign.owner_id == Organisation.id).where(
        Organisation.path.startswith(scope.path))


def current_answers(assignment: Assignment) -> dict:
    """The answers to start the form from: the draft, else the current submission."""
    draft = db.session.scalar(select(Draft).where(Draft.assignment_id == assignment.id))
    if draft is not None:
        return dict(draft.answers)
    response = db.session.scalar(
        select(Response).join(Submission, Submission.response_id == Response.id)
        .where(Submission.assignment_id == assignment.id, Submission.current.is_(True)))
    return dict(response.answers) if response is not None else {}


def history(assignment: Assignment) -> list[Submission]:
    """All revisions of an assignment's submission, newest first."""
    return list(db.session.scalars(select(Submission).where(
        Submission.assignment_id == assignment.id).order_by(Submission.revision.desc())))


def rater_label(a: Assignment) -> tuple[str, str]:
    """(code, name) of the rater: the unit's code, or an account's username."""
    if a.rater_org is not None:
        return a.rater_org.code, a.rater_org.name
    user = a.rater_user
    return (user.username, user.username) if user is not None else ("", "")


@dataclass(frozen=True)
class AssignmentRow:
    assignment: Assignment
    rater_code: str
    rater_name: str
    status: str


def assignment_rows(campaign: Campaign, *, scope: Organisation | None = None
                    ) -> list[AssignmentRow]:
    """Every assignment of a campaign (targets within ``scope``), with its status."""
    query = (select(Assignment).where(Assignment.campaign_id == campaign.id)
             .options(joinedload(Assignment.target), joinedload(Assignment.rater_org),
                      joinedload(Assignment.rater_user), joinedload(Assignment.rater_group))
             .join(Organisation, Organisation.id == Assignment.target_id)
             .order_by(Assignment.rater_group_id, Organisation.path, Assignment.id))
    if scope is not None:
        query = query.where(Organisation.path.startswith(scope.path))
    rows = db.session.scalars(query).all()
    submitted = set(db.session.scalars(
        select(Submission.assignment_id).join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Assignment.campaign_id == campaign.id, Submission.current.is_(True))))
    drafts = set(db.session.scalars(
        select(Draft.assignment_id).join(Assignment, Assignment.id == Draft.assignment_id)
        .where(Assignment.campaign_id == campaign.id)))
    out = []
    for a in rows:
        code, name = rater_label(a)
        status = SUBMITTED if a.id in submitted else DRAFT if a.id in drafts else NOT_STARTED
        out.append(AssignmentRow(a, code, name, status))
    return out


def export_csv(campaign: Campaign) -> str:
    """The assignments as CSV: rater_code,target_code,rater_group (assessors: username)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in assignment_rows(campaign):
        writer.writerow([_neutralise(row.rater_code), _neutralise(row.assignment.target.code),
                         _neutralise(row.assignment.rater_group.key)])
    return out.getvalue()


def _neutralise(value: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@dataclass(frozen=True)
class GroupProgress:
    key: str
    name: str
    weight: float
    anonymous: bool
    assigned: int
    submitted: int
    drafts: int


def progress(campaign: Campaign, rows: list[AssignmentRow] | None = None):
    """Progress per rater group, and per target × group (assigned, submitted)."""
    rows = assignment_rows(campaign) if rows is None else rows
    anonymous_counts = Counter(db.session.execute(
        select(Response.rater_group_id).where(Response.campaign_id == campaign.id)).scalars())
    groups = []
    per_target: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for g in campaign.rater_groups:
        mine = [r for r in rows if r.assignment.rater_group_id == g.id]
        if g.anonymous:
            groups.append(GroupProgress(g.key, g.name, g.weight, True, 0,
                                        anonymous_counts.get(g.id, 0), 0))
            continue
        groups.append(GroupProgress(
            g.key, g.name, g.weight, False, len(mine),
            sum(r.status == SUBMITTED for r in mine), sum(r.status == DRAFT for r in mine)))
        for r in mine:
            cell = per_target[r.assignment.target_id].setdefault(g.key, [0, 0])
            cell[0] += 1
            cell[1] += r.status == SUBMITTED
    return groups, per_target


@dataclass(frozen=True)
class GroupResult:
    key: str
    name: str
    weight: float
    responses: int
    mean: float | None  # mean scale value over answered scored items; None when suppressed
    suppressed: bool


def target_results(campaign: Campaign, target: Organisation) -> list[GroupResult]:
    """Aggregates only: per rater group, the number of counted responses and the mean item
    value over all scored items. Named groups count current revisions only. An anonymous
    group below the campaign's minimum reporting size shows no figure; named groups (units
    and accounts that rate openly) show the mean even for one rater, never the answers."""
    from sqlalchemy import exists

    out = []
    for g in campaign.rater_groups:
        query = select(Response.item_values).where(
            Response.campaign_id == campaign.id, Response.target_id == target.id,
            Response.rater_group_id == g.id)
        if not g.anonymous:
            query = query.where(exists().where(Submission.response_id == Response.id,
                                               Submission.current.is_(True)))
        values = db.session.scalars(query).all()
        n = len(values)
        suppressed = n == 0 or (g.anonymous and n < campaign.min_group_size)
        mean = None
        if not suppressed:
            answered = [v for blob in values for v in _signed(blob) if v >= 0]
            mean = sum(answered) / len(answered) if answered else None
        out.append(GroupResult(g.key, g.name, g.weight, n, mean, suppressed))
    return out


def _signed(blob: bytes) -> list[int]:
    return [b - 256 if b > 127 else b for b in blob]


def raters_without_account(campaign: Campaign) -> list[Organisation]:
    """Rater units of ``campaign``'s assignments that have no active evaluator account, so
    nobody can answer their assignments (an imported unit nobody has set up yet)."""
    has_account = select(User.id).where(
        User.organisation_id == Organisation.id, User.role == Role.EVALUATOR.value,
        User.active.is_(True)).exists()
    raters = select(Assignment.rater_org_id).where(
        Assignment.campaign_id == campaign.id, Assignment.rater_org_id.is_not(None))
    return list(db.session.scalars(select(Organisation).where(
        Organisation.id.in_(raters), ~has_account).order_by(Organisation.path)))


@dataclass
class RaterBehind:
    """A rater (unit or account) with assignments not yet submitted."""

    code: str
    name: str
    outstanding: int
    due_on: date | None
    overdue: bool
    org_id: int | None = None


@dataclass
class MemberUnitBehind:
    """A target unit whose members answer anonymously, with its participation band only."""

    unit: Organisation
    band: str  # "none", "low" (< 25 %), "some" (25-50 %)


#: Participation below this share of eligible members is behind schedule.
MEMBER_TARGET = 0.5


def _band(responses: int, eligible: int) -> str | None:
    """The participation band of a unit, or None when it is not behind. Bands, not counts:
    a reminder never says how many members answered."""
    if eligible <= 0:
        return None
    rate = responses / eligible
    if rate >= MEMBER_TARGET:
        return None
    return "none" if responses == 0 else "low" if rate < 0.25 else "some"


def behind_schedule(campaign: Campaign, scope: Organisation | None, on: date
                    ) -> tuple[list[RaterBehind], list[MemberUnitBehind]]:
    """Raters of named groups with unsubmitted assignments, and target units whose members
    are below the participation target (anonymous groups: units and bands, never members)."""
    per_rater: dict[str, RaterBehind] = {}
    for row in assignment_rows(campaign, scope=scope):
        if row.status == SUBMITTED:
            continue
        due = row.assignment.due_on or campaign.closes_on
        entry = per_rater.get(row.rater_code)
        if entry is None:
            entry = per_rater[row.rater_code] = RaterBehind(
                row.rater_code, row.rater_name, 0, due, False, row.assignment.rater_org_id)
        entry.outstanding += 1
        if due is not None and (entry.due_on is None or due < entry.due_on):
            entry.due_on = due
        entry.overdue = entry.due_on is not None and entry.due_on < on
    members: list[MemberUnitBehind] = []
    if any(g.anonymous for g in campaign.rater_groups):
        targets = select(Organisation).join(
            CampaignTarget, CampaignTarget.organisation_id == Organisation.id).where(
            CampaignTarget.campaign_id == campaign.id).order_by(Organisation.path)
        if scope is not None:
            targets = targets.where(Organisation.path.startswith(scope.path))
        anonymous = [g.id for g in campaign.rater_groups if g.anonymous]
        counts = dict(db.session.execute(
            select(Response.target_id, func.count()).where(
                Response.campaign_id == campaign.id, Response.rater_group_id.in_(anonymous))
            .group_by(Response.target_id)).all())
        for unit in db.session.scalars(targets):
            band = _band(counts.get(unit.id, 0), unit.members or 0)
            if band is not None:
                members.append(MemberUnitBehind(unit, band))
    return sorted(per_rater.values(), key=lambda r: (not r.overdue, r.code)), members


def open_notices(user: User) -> list[tuple[Notice, int]]:
    """Reminders to ``user``'s unit that still apply (the unit has assignments of that
    campaign not submitted, and the campaign accepts answers), newest first, with the
    number of assignments still open."""
    if user.organisation_id is None:
        return []
    notices = db.session.scalars(select(Notice).where(
        Notice.organisation_id == user.organisation_id).order_by(Notice.sent_at.desc())).all()
    out, seen = [], set()
    for notice in notices:
        if notice.campaign_id in seen or not notice.campaign.accepting_answers():
            continue
        seen.add(notice.campaign_id)
        pending = [a for a in db.session.scalars(select(Assignment).where(
            Assignment.campaign_id == notice.campaign_id,
            Assignment.rater_org_id == user.organisation_id))]
        done = set(db.session.scalars(select(Submission.assignment_id).where(
            Submission.assignment_id.in_([a.id for a in pending]),
            Submission.current.is_(True))))
        left = sum(1 for a in pending if a.id not in done)
        if left:
            out.append((notice, left))
    return out
