"""The platform's persistent objects (SQLAlchemy 2 typed models).

Importing this package registers every model with the metadata, which Alembic and
``db.create_all`` need.
"""

import survey_app.models.assessment  # noqa: F401 - registers the assessment tables
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
from survey_app.models.organisation import Organisation, OrgKind
from survey_app.models.questionnaire import QuestionnaireVersion
from survey_app.models.response import Draft, Response, Submission
from survey_app.models.user import Role, User

__all__ = [
    "AccessCode",
    "Assignment",
    "AuditEntry",
    "AnsweringState",
    "Campaign",
    "CampaignKind",
    "CampaignStatus",
    "CampaignTarget",
    "CodeLookupCount",
    "Draft",
    "OpenLink",
    "OrgKind",
    "Organisation",
    "QuestionnaireVersion",
    "RaterGroup",
    "Response",
    "Role",
    "Submission",
    "User",
]
