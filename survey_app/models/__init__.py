"""The platform's persistent objects (SQLAlchemy 2 typed models).

Importing this package registers every model with the metadata, which Alembic and
``db.create_all`` need.
"""

import survey_app.models.api  # noqa: F401 - registers the API tokens and webhook tables
import survey_app.models.assessment  # noqa: F401 - registers the assessment tables
import survey_app.models.honour_review  # noqa: F401 - registers the honour thresholds
import survey_app.models.improvement  # noqa: F401 - registers the improvement tables
import survey_app.models.partnering  # noqa: F401 - registers the partnering tables
import survey_app.models.project  # noqa: F401 - registers the home-building projects
import survey_app.models.snapshot  # noqa: F401 - registers the result snapshots
from survey_app.models.appeal import Appeal, AppealStatus, AppealSubject
from survey_app.models.audit import AuditEntry
from survey_app.models.campaign import (
    AccessCode,
    AnsweringState,
    Assignment,
    Campaign,
    CampaignKind,
    CampaignStatus,
    CampaignTarget,
    CodeLookupCount,
    OpenLink,
    RaterGroup,
)
from survey_app.models.comment import CommentReview, ReviewState
from survey_app.models.committee import CommitteeMember, CommitteeRole
from survey_app.models.notice import Notice
from survey_app.models.organisation import Organisation, OrgKind
from survey_app.models.questionnaire import QuestionnaireKey, QuestionnaireVersion
from survey_app.models.response import Draft, Response, Submission
from survey_app.models.user import RecoveryCode, Role, User

__all__ = [
    "Appeal",
    "AppealStatus",
    "AppealSubject",
    "AccessCode",
    "Assignment",
    "AuditEntry",
    "AnsweringState",
    "Campaign",
    "CampaignKind",
    "CampaignStatus",
    "CampaignTarget",
    "CodeLookupCount",
    "CommentReview",
    "CommitteeMember",
    "CommitteeRole",
    "Draft",
    "Notice",
    "OpenLink",
    "OrgKind",
    "Organisation",
    "QuestionnaireKey",
    "QuestionnaireVersion",
    "RaterGroup",
    "RecoveryCode",
    "ReviewState",
    "Response",
    "Role",
    "Submission",
    "User",
]
