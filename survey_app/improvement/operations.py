"""Writes of the improvement area: suggestions from a published result, accepting (and
editing) or dismissing them, progress with notes and evidence, and verification (验收) by
the upper union. Every change is audited; every refusal is a :class:`DomainError` whose
message is for the user.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from questionnaires.vocabulary import ActionSource, ActionStatus
from survey_app import outbox
from survey_app.assessment.operations import EVIDENCE_TYPES, sniff_type
from survey_app.dates import today
from survey_app.errors import Conflict, DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.improvement.queries import suggestions_for
from survey_app.models import Campaign, Organisation, Role, User
from survey_app.models.audit import record
from survey_app.models.improvement import (
    NEXT_STATUS,
    ActionNote,
    ImprovementAction,
    Notification,
)
from survey_app.models.project import GOAL_ITEMS, HomeProject, ProjectTask
from survey_app.permissions import can_manage_actions, can_verify_action

#: Evidence of progress: documents and photos, recognised by content.
NOTE_EVIDENCE = ("pdf", "png", "jpg")


class ActionProblem(DomainError):
    """An action's fields that cannot be saved; ``field`` names the form field at fault."""

    def __init__(self, message: object, field: str = ""):
        super().__init__(message)
        self.field = field


def _require_manage(user: Any, org: Organisation) -> None:
    if user is not None and not can_manage_actions(user, org):
        raise NotAllowed(_l("Only the unit's union or a union above it may change its "
                            "improvement actions."))


def propose(campaign: Campaign, org: Organisation, user: Any = None) -> list[ImprovementAction]:
    """Store Pingjia's suggestions for ``org`` from ``campaign``'s published report (those not
    proposed before, matched by source)."""
    _require_manage(user, org)
    known = {(a.source_kind, a.source_ref) for a in db.session.scalars(
        select(ImprovementAction).where(ImprovementAction.organisation_id == org.id,
                                        ImprovementAction.campaign_id == campaign.id))}
    created = []
    for s in suggestions_for(campaign, org):
        if (s["source_kind"], s["source_ref"]) in known:
            continue
        action = ImprovementAction(organisation_id=org.id, campaign_id=campaign.id,
                                   status=ActionStatus.SUGGESTED.value,
                                   created_by_id=getattr(user, "id", None), **s)
        db.session.add(action)
        created.append(action)
    db.session.flush()
    for a in created:
        record("improvement.suggested", "improvement_action", a.id, user, unit=org.code,
               campaign=campaign.code, source=a.source_kind, ref=a.source_ref)
    return created


#: Sources an admin enters by hand; the figure sources (item, dimension, IPA) come from the
#: published report through :func:`propose`, so that their baseline is a published figure.
MANUAL_SOURCES = (ActionSource.INDICATOR.value, ActionSource.VETO.value,
                  ActionSource.ASSESSOR.value, ActionSource.COMMENT.value)


def create(org: Organisation, values: dict[str, Any], user: Any = None) -> ImprovementAction:
    """A planned action from an assessment indicator, a veto finding, an assessor's
    recommendation or an evaluation comment."""
    _require_manage(user, org)
    if values.get("source_kind") not in MANUAL_SOURCES:
        raise ActionProblem(_l("Actions on survey figures are created from the suggestions."),
                            "source_kind")
    label = (values.get("source_label") or "").strip()
    if not label:
        raise ActionProblem(_l("Say which result this action answers."), "source_label")
    action = ImprovementAction(organisation=org, organisation_id=org.id,
                               source_kind=values["source_kind"], source_label=label,
                               baseline=values.get("baseline"), created_on=today(),
                               status=ActionStatus.SUGGESTED.value,
                               created_by_id=getattr(user, "id", None), title="")
    _check_plan(action, values)
    db.session.add(action)
    db.session.flush()
    record("improvement.created", "improvement_action", action.id, user, unit=org.code,
           source=action.source_kind, label=label)
    return accept(action, values, user)


def _check_plan(action: ImprovementAction, values: dict[str, Any]) -> None:
    if not (values.get("title") or "").strip():
        raise ActionProblem(_l("Say what will change (the measure)."), "title")
    if not (values.get("owner_name") or "").strip():
        raise ActionProblem(_l("Name the person responsible."), "owner_name")
    if values.get("owner_unit") is None:
        raise ActionProblem(_l("Choose the responsible unit."), "owner_unit")
    due = values.get("due_on")
    if due is None:
        raise ActionProblem(_l("Give a due date."), "due_on")
    created = action.created_on or today()
    if due < created:
        raise ActionProblem(_l("The due date cannot be before the action was created (%(day)s).",
                               day=created.isoformat()), "due_on")
    owner_unit = values["owner_unit"]
    if not owner_unit.is_within(action.organisation):
        raise ActionProblem(_l("The responsible unit must be the unit or one of its branches."),
                            "owner_unit")


PLAN_FIELDS = ("title", "description", "owner_name", "due_on", "milestones", "target")
TEXT_FIELDS = ("title", "description", "owner_name", "milestones")


def accept(action: ImprovementAction, values: dict[str, Any], user: Any = None
           ) -> ImprovementAction:
    """Accept a suggestion, or edit an accepted action: 工作举措, 责任主体, 时序进度, target.
    A suggestion becomes ``planned``."""
    _require_manage(user, action.organisation)
    if action.status in (ActionStatus.VERIFIED.value, ActionStatus.DISMISSED.value):
        raise Conflict(_l("A verified or dismissed action can no longer be changed."))
    _check_plan(action, values)
    before = {f: getattr(action, f) for f in PLAN_FIELDS}
    for f in PLAN_FIELDS:
        value = values.get(f)
        if f in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(action, f, value)
    action.owner_unit_id = values["owner_unit"].id
    action.owner_user_id = getattr(values.get("owner_user"), "id", action.owner_user_id)
    was = action.status
    if was == ActionStatus.SUGGESTED.value:
        action.status = ActionStatus.PLANNED.value
    changed = {f: str(getattr(action, f)) for f in PLAN_FIELDS if getattr(action, f) != before[f]}
    record("improvement.accepted" if was == ActionStatus.SUGGESTED.value else "improvement.edited",
           "improvement_action", action.id, user, unit=action.organisation.code, **changed)
    return action


def dismiss(action: ImprovementAction, reason: str, user: Any = None) -> ImprovementAction:
    """Dismiss a suggestion; the reason is required and shown to the upper union."""
    _require_manage(user, action.organisation)
    if action.status != ActionStatus.SUGGESTED.value:
        raise Conflict(_l("Only a suggestion can be dismissed."))
    reason = (reason or "").strip()
    if not reason:
        raise ActionProblem(_l("Give the reason for dismissing this suggestion."), "reason")
    action.status = ActionStatus.DISMISSED.value
    action.dismissed_reason = reason
    record("improvement.dismissed", "improvement_action", action.id, user,
           unit=action.organisation.code, reason=reason)
    return action


def _clean_name(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "evidence"


def _evidence_kind(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise ActionProblem(_l("The file is larger than %(kib)s KiB.", kib=max_bytes // 1024),
                            "evidence")
    kind = sniff_type(data) if data else None
    if kind not in NOTE_EVIDENCE:
        raise ActionProblem(_l("Evidence must be a PDF, PNG or JPEG file."), "evidence")
    return kind


def _store_evidence(note: ActionNote, filename: str, data: bytes, kind: str, *,
                    folder: str) -> None:
    stored = f"{secrets.token_hex(16)}.{kind}"
    os.makedirs(os.path.join(folder, "improvement"), exist_ok=True)
    with open(os.path.join(folder, "improvement", stored), "xb") as fh:
        fh.write(data)
    note.original_name = _clean_name(filename)
    note.stored_name = stored
    note.content_type = EVIDENCE_TYPES[kind]
    note.size = len(data)
    note.sha256 = hashlib.sha256(data).hexdigest()


def evidence_path(folder: str, note: ActionNote) -> str:
    if not note.stored_name or not re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg)", note.stored_name):
        raise DomainError(_l("This note has no evidence file."), status=404)
    return os.path.join(folder, "improvement", note.stored_name)


def progress(action: ImprovementAction, *, status: str, text: str = "", filename: str = "",
             data: bytes | None = None, folder: str = "", max_bytes: int = 5 * 1024 * 1024,
             user: Any = None, on: date | None = None) -> ActionNote:
    """Record progress: a note, optionally a new status (in progress, done) and evidence."""
    _require_manage(user, action.organisation)
    was = action.status
    if was not in NEXT_STATUS:
        raise Conflict(_l("Progress can only be recorded on a planned or running action."))
    if status != was and status not in NEXT_STATUS[was]:
        raise ActionProblem(_l("This status cannot follow the current one."), "status")
    text = (text or "").strip()
    if not text and not data and status == was:
        raise ActionProblem(_l("Write a note, attach evidence or change the status."), "text")
    if status == ActionStatus.DONE.value and not data and not any(
            n.stored_name for n in action.notes):
        raise ActionProblem(_l("Attach evidence to mark the action done."), "evidence")
    kind = _evidence_kind(data, max_bytes) if data else None
    note = ActionNote(action=action, user_id=getattr(user, "id", None), text=text,
                      status_from=was, status_to=status)
    if data:
        _store_evidence(note, filename, data, kind, folder=folder)
    action.status = status
    if status == ActionStatus.DONE.value:
        action.done_on = on or today()
    db.session.add(note)
    db.session.flush()
    record("improvement.progress", "improvement_action", action.id, user,
           unit=action.organisation.code, status_from=was, status_to=status, note_id=note.id,
           evidence=note.original_name, sha256=note.sha256)
    return note


def verify(action: ImprovementAction, text: str = "", user: Any = None,
           at: datetime | None = None) -> ImprovementAction:
    """验收 by the upper union: never by the union that did the work."""
    if user is not None and not can_verify_action(user, action):
        raise NotAllowed(_l("Verification is done by the upper union, never by the union "
                            "that did the work."))
    if action.status != ActionStatus.DONE.value:
        raise Conflict(_l("Only an action marked done can be verified."))
    action.status = ActionStatus.VERIFIED.value
    action.verified_by_id = getattr(user, "id", None)
    action.verified_at = at or datetime.now(UTC)
    note = ActionNote(action=action, user_id=getattr(user, "id", None),
                      text=(text or "").strip(), status_from=ActionStatus.DONE.value,
                      status_to=ActionStatus.VERIFIED.value)
    db.session.add(note)
    record("improvement.verified", "improvement_action", action.id, user,
           unit=action.organisation.code, note=note.text)
    return action


#: Days before the due date at which the person responsible is reminded.
REMIND_DAYS = 7


def _admins_of(org_id: int | None) -> list[User]:
    if org_id is None:
        return []
    return list(db.session.scalars(select(User).where(
        User.organisation_id == org_id, User.role == Role.UNION_ADMIN.value)))


def record_digest(on: date | None = None) -> int:
    """The daily digest as in-app notifications (idempotent for a day).

    The person responsible (their account, else the responsible unit's admins) hears of
    actions overdue or due within :data:`REMIND_DAYS`; the admins of the upper union hear of
    overdue actions and of work done but not yet verified.
    """
    on = on or today()
    sent = {(n.user_id, n.kind, n.detail.get("action_id")) for n in db.session.scalars(
        select(Notification).where(Notification.day == on))}
    made = 0

    def notify(users: list, kind: str, action: ImprovementAction) -> None:
        nonlocal made
        for user in users:
            key = (user.id, kind, action.id)
            if key in sent:
                continue
            sent.add(key)
            db.session.add(Notification(
                user_id=user.id, kind=kind, day=on,
                detail={"action_id": action.id, "unit": action.organisation.code,
                        "title": action.title,
                        "due_on": action.due_on.isoformat() if action.due_on else None}))
            made += 1

    open_statuses = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value,
                     ActionStatus.DONE.value)
    for action in db.session.scalars(select(ImprovementAction).where(
            ImprovementAction.status.in_(open_statuses))):
        upper = _admins_of(action.organisation.parent_id)
        if action.status == ActionStatus.DONE.value:
            notify(upper, "action_unverified", action)
            continue
        responsible = ([action.owner_user] if action.owner_user is not None else
                       _admins_of(action.owner_unit_id or action.organisation_id))
        if action.is_overdue(on):
            before = made
            notify(responsible, "action_overdue", action)
            if made > before:  # once a day while overdue, with the day's notifications
                outbox.enqueue("action.overdue", [action.organisation], {
                    "action_id": action.id, "unit_code": action.organisation.code,
                    "title": action.title, "status": action.status, "due_on": action.due_on})
            notify(upper, "action_overdue", action)
        elif action.due_on is not None and (action.due_on - on).days <= REMIND_DAYS:
            notify(responsible, "action_due_soon", action)
    if made:
        record("improvement.digest", "notification", None, None, day=on.isoformat(), made=made)
    return made


def mark_read(user: Any) -> int:
    """Mark the account's unread notifications read; return how many."""
    unread = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).all()
    for n in unread:
        n.read_at = datetime.now(UTC)
    return len(unread)


# ---------------------------------------------------------------- 建家 projects (项目化管理)


def create_project(user: Any, org: Organisation, *, year: int, title: str, goal: str,
                   goal_item: str, owner_name: str) -> HomeProject:
    """A unit's 建家 project for ``year``, with the person responsible for it."""
    _require_manage(user, org)
    title, owner_name = (title or "").strip(), (owner_name or "").strip()
    if not title:
        raise ActionProblem(_l("Name the project."), "title")
    if not owner_name:
        raise ActionProblem(_l("Name the person responsible."), "owner_name")
    if goal_item not in dict(GOAL_ITEMS):
        raise ActionProblem(_l("Choose what the goal is tied to."), "goal_item")
    if not 2000 <= year <= today().year + 1:
        raise ActionProblem(_l("The project's year must be this year or next year at the "
                               "latest."), "year")
    project = HomeProject(organisation_id=org.id, year=year, title=title[:200],
                          goal=(goal or "").strip()[:4000], goal_item=goal_item,
                          owner_name=owner_name[:100], created_by_id=getattr(user, "id", None))
    db.session.add(project)
    db.session.flush()
    record("project.created", "home_project", project.id, user, unit=org.code, year=year,
           title=project.title, owner=project.owner_name, goal_item=goal_item)
    return project


def add_task(user: Any, project: HomeProject, *, title: str, owner_name: str,
             starts_on: date, due_on: date) -> ProjectTask:
    """A dated task of ``project``, down to a person; it starts in the project's year."""
    _require_manage(user, project.organisation)
    title, owner_name = (title or "").strip(), (owner_name or "").strip()
    if not title:
        raise ActionProblem(_l("Describe the task."), "title")
    if not owner_name:
        raise ActionProblem(_l("Name the person responsible."), "owner_name")
    if starts_on.year != project.year:
        raise ActionProblem(_l("The task must start in the project's year (%(year)s).",
                               year=project.year), "starts_on")
    if due_on < starts_on:
        raise ActionProblem(_l("The due date cannot be before the start."), "due_on")
    task = ProjectTask(project=project, title=title[:200], owner_name=owner_name[:100],
                       starts_on=starts_on, due_on=due_on)
    db.session.add(task)
    db.session.flush()
    record("project.task_added", "home_project", project.id, user, task_id=task.id,
           title=task.title, owner=task.owner_name, starts_on=starts_on.isoformat(),
           due_on=due_on.isoformat())
    return task


def complete_task(user: Any, task: ProjectTask, on: date | None = None) -> ProjectTask:
    _require_manage(user, task.project.organisation)
    if task.done_on is not None:
        raise Conflict(_l("This task is already done."))
    on = on or today()
    if on < task.starts_on:
        raise ActionProblem(_l("A task cannot be done before it starts."), "done_on")
    task.done_on = on
    db.session.flush()
    record("project.task_done", "home_project", task.project_id, user, task_id=task.id,
           done_on=on.isoformat(), on_time=on <= task.due_on)
    return task


def link_action(user: Any, project: HomeProject, action: ImprovementAction) -> None:
    """Let an accepted improvement action of the same unit serve ``project``."""
    _require_manage(user, project.organisation)
    if action.organisation_id != project.organisation_id:
        raise ActionProblem(_l("Only the unit's own actions serve its projects."), "action")
    if action.status in (ActionStatus.SUGGESTED.value, ActionStatus.DISMISSED.value):
        raise ActionProblem(_l("Accept the suggestion before linking it."), "action")
    action.project_id = project.id
    db.session.flush()
    record("project.action_linked", "home_project", project.id, user, action_id=action.id)
