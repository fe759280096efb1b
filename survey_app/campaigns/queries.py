"""Reads of the campaigns area: which campaigns and assignments a user may see, statuses,
progress, the assignment table and its CSV export."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from analysis.spreadsheets import neutralise
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Draft,
    Notice,
    Organisation,
    RaterGroup,
    Response,
    Role,
    Submission,
    User,
)
from survey_app.release_policy import figures_released, response_counts

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


def covering_campaigns(user: User) -> list[Campaign]:
    """Upper unions' campaigns (not drafts) with a target in the union admin's subtree: the
    admin issues codes, follows participation and reads published results for those units."""
    scope = user.organisation
    if user.role != Role.UNION_ADMIN or scope is None:
        return []
    owner = aliased(Organisation)
    unit = aliased(Organisation)
    covered = select(CampaignTarget.campaign_id).join(
        unit, unit.id == CampaignTarget.organisation_id).where(unit.path.startswith(scope.path))
    query = (select(Campaign).join(owner, Campaign.owner_id == owner.id)
             .where(Campaign.status != CampaignStatus.DRAFT.value,
                    ~owner.path.startswith(scope.path), Campaign.id.in_(covered))
             .order_by(Campaign.created_at.desc(), Campaign.id.desc()))
    return list(db.session.scalars(query))


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
        writer.writerow([neutralise(row.rater_code), neutralise(row.assignment.target.code),
                         neutralise(row.assignment.rater_group.key)])
    return out.getvalue()


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
    anonymous_counts = response_counts(campaign, Response.rater_group_id)
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
    """One rater group's figure for one target: the satisfaction index (0-100, the figure of
    :func:`analysis.indices.unit_indices`, the same as the reports') or, for assessors'
    checklists (第三方评议), the checklist total (0-100, :func:`analysis.assessment.
    checklist_totals`); always with its n."""

    key: str
    name: str
    weight: float
    responses: int | None  # None: withheld (not released yet, or a suppressed group)
    value: float | None  # None when suppressed or not computable
    suppressed: bool
    measure: str = "index"  # "index" | "checklist"
    assessors: tuple[str, ...] = ()
    veto_failed: int = 0


def _is_checklist(group: RaterGroup) -> bool:
    from survey_app.questionnaire_versions import is_checklist

    return is_checklist(group.questionnaire_version)


def _assessors(campaign: Campaign, group: RaterGroup, target: Organisation) -> tuple[str, ...]:
    """The named raters of ``group`` who submitted for ``target`` (assessors are named)."""
    rows = db.session.scalars(
        select(Assignment).join(Submission, Submission.assignment_id == Assignment.id)
        .where(Assignment.campaign_id == campaign.id, Assignment.rater_group_id == group.id,
               Assignment.target_id == target.id, Submission.current.is_(True))
        .options(joinedload(Assignment.rater_user), joinedload(Assignment.rater_org)))
    names = {a.rater_user.username if a.rater_user is not None else
             (a.rater_org.name if a.rater_org is not None else "") for a in rows}
    return tuple(sorted(n for n in names if n))


def target_results(campaign: Campaign, target: Organisation) -> list[GroupResult]:
    """Aggregates only, per rater group: the 0-100 satisfaction index with its counted
    responses, or the checklist total. The figures are the reports' own group cells
    (:func:`survey_app.reports.queries.campaign_report`), with their complementary
    suppression: an anonymous group below the campaign's minimum size, or one that
    subtraction would reveal, shows neither figure nor count; named groups (units and
    accounts that rate openly, assessors) show theirs even for one rater, never the
    answers. Nothing while the release policy withholds the campaign's figures."""
    from survey_app.reports.queries import campaign_report

    released = figures_released(campaign)
    report = campaign_report(campaign, language="zh") if released else None
    cells = (report.group_cells.set_index(["target_id", "rater_group"])
             if report is not None else None)
    checklist = None
    out = []
    for g in campaign.rater_groups:
        if _is_checklist(g):
            if not released:
                out.append(GroupResult(g.key, g.name, g.weight, None, None, True,
                                       measure="checklist"))
                continue
            if checklist is None:
                from survey_app.reports.loading import load_checklist_totals

                checklist = load_checklist_totals(db.engine, campaign.code)
            row = checklist.loc[target.code] if target.code in checklist.index else None
            n = int(row["n"]) if row is not None else 0
            out.append(GroupResult(
                g.key, g.name, g.weight, n,
                float(row["checklist_total"]) if row is not None else None, n == 0,
                measure="checklist", assessors=_assessors(campaign, g, target),
                veto_failed=int(row["veto_failed"]) if row is not None else 0))
            continue
        key = (target.id, g.key)
        cell = cells.loc[key] if cells is not None and key in cells.index else None
        if cell is None:
            out.append(GroupResult(g.key, g.name, g.weight, 0 if released else None, None,
                                   True))
            continue
        if bool(cell["suppressed"]):
            out.append(GroupResult(g.key, g.name, g.weight, None, None, True))
            continue
        overall = cell["overall"]
        out.append(GroupResult(g.key, g.name, g.weight, int(cell["n"]),
                               None if pd.isna(overall) else float(overall), False))
    return out



@dataclass
class TransitionSummary:
    """What a state change touches, for the confirmation page: target units, responses
    received, and answers saved as drafts but never submitted."""

    units: int
    responses: int
    unsent_drafts: int


def transition_summary(campaign: Campaign) -> TransitionSummary:
    from survey_app.models import AccessCode

    units = db.session.scalar(select(func.count()).select_from(CampaignTarget).where(
        CampaignTarget.campaign_id == campaign.id))
    responses = sum(response_counts(campaign, Response.campaign_id).values())
    # members' drafts live on their unused codes; named raters' in ``drafts``
    code_drafts = db.session.scalar(select(func.count()).select_from(AccessCode).where(
        AccessCode.campaign_id == campaign.id, AccessCode.used.is_(False),
        AccessCode.draft.is_not(None)))
    open_assignments = select(Assignment.id).where(Assignment.campaign_id == campaign.id)
    named_drafts = db.session.scalar(select(func.count()).select_from(Draft).where(
        Draft.assignment_id.in_(open_assignments)))
    drafts = int(code_drafts or 0) + int(named_drafts or 0)
    return TransitionSummary(int(units or 0), int(responses or 0), drafts)


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
        counts = response_counts(campaign, Response.target_id, anonymous)
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
