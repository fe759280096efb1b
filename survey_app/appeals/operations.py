"""Writes: filing an appeal (with its evidence, checked as assessment evidence is) and the
upper union's decision. Both audited."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from questionnaires.assessment import Scheme
from survey_app.appeals.queries import window_closes_on, window_open
from survey_app.assessment.operations import EVIDENCE_TYPES, check_evidence, clean_name
from survey_app.errors import Conflict, DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.models import Appeal, AppealStatus, AppealSubject, Organisation
from survey_app.models.assessment import AssessmentRun
from survey_app.models.audit import record
from survey_app.permissions import can_appeal, can_decide_appeal


def file_appeal(scheme: Scheme, run: AssessmentRun | None, org: Organisation, user: Any, *,
                subject: str, item: str, reason: str, window_days: int,
                filename: str = "", data: bytes = b"", folder: str = "",
                max_bytes: int = 5 * 1024 * 1024) -> Appeal:
    """Record the unit's appeal. Refuses (403) anyone but the unit's own admins, (409) after
    the window, and (400) an unknown subject or veto item, an empty reason or a bad file."""
    if not can_appeal(user, org, run):
        raise NotAllowed(_l("Only the unit's own union admins may appeal its published "
                            "assessment."))
    if not window_open(run, window_days):
        raise Conflict(_l("The appeal window closed on %(day)s.",
                          day=window_closes_on(run, window_days)))
    if subject not in {s.value for s in AppealSubject}:
        raise DomainError(_l("Choose what the appeal is about."))
    item = (item or "").strip()
    if subject == AppealSubject.VETO and item not in {v.key for v in scheme.veto}:
        raise DomainError(_l("Choose the veto item you appeal."))
    if subject == AppealSubject.CHECKLIST and not item:
        raise DomainError(_l("Name the checklist finding you appeal."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for the appeal."))
    appeal = Appeal(scheme_key=scheme.key, year=run.year, organisation_id=org.id,
                    subject=subject, item=item if subject != AppealSubject.GRADE else "",
                    reason=reason, submitted_by_id=user.id)
    if data:
        kind = check_evidence(data, max_bytes)
        stored = f"{secrets.token_hex(16)}.{kind}"
        os.makedirs(os.path.join(folder, "appeals"), exist_ok=True)
        with open(os.path.join(folder, "appeals", stored), "xb") as fh:
            fh.write(data)
        appeal.evidence_name = clean_name(filename)
        appeal.evidence_stored = stored
        appeal.evidence_type = EVIDENCE_TYPES[kind]
        appeal.evidence_size = len(data)
        appeal.evidence_sha256 = hashlib.sha256(data).hexdigest()
    db.session.add(appeal)
    db.session.flush()
    record("appeal.filed", "appeal", appeal.id, user, scheme=scheme.key, year=run.year,
           organisation=org.code, subject=subject, item=appeal.item,
           evidence_sha256=appeal.evidence_sha256)
    db.session.commit()
    return appeal


def decide(appeal: Appeal, user: Any, upheld: bool, reason: str) -> None:
    """The upper union's decision, with its reason; an appeal is decided once."""
    if not can_decide_appeal(user, appeal):
        raise NotAllowed(_l("Only the upper union decides this appeal."))
    if appeal.decided:
        raise Conflict(_l("This appeal has already been decided."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for the decision."))
    appeal.status = (AppealStatus.UPHELD if upheld else AppealStatus.REJECTED).value
    appeal.decision_reason = reason
    appeal.decided_by_id = user.id
    appeal.decided_at = datetime.now(UTC)
    record(f"appeal.{appeal.status}", "appeal", appeal.id, user, scheme=appeal.scheme_key,
           year=appeal.year, organisation=appeal.organisation.code, reason=reason)
    db.session.commit()


def evidence_path(folder: str, appeal: Appeal) -> str:
    if not appeal.evidence_stored or not re.fullmatch(
            r"[0-9a-f]{32}\.(pdf|png|jpg|xlsx)", appeal.evidence_stored):
        raise DomainError(_l("This appeal has no evidence file."), status=404)
    return os.path.join(folder, "appeals", appeal.evidence_stored)
