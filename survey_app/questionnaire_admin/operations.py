"""Writes of questionnaire administration: publishing an uploaded definition."""

from __future__ import annotations

from flask_babel import gettext as _

from questionnaires import Questionnaire, library
from survey_app.errors import NotAllowed
from survey_app.extensions import db
from survey_app.models import QuestionnaireKey, QuestionnaireVersion, Role
from survey_app.permissions import can_version_questionnaire
from survey_app.questionnaire_versions import publish_questionnaire


def publish_definition(questionnaire: Questionnaire, user) -> QuestionnaireVersion:
    """Publish an uploaded definition as a new version of its key, if ``user`` may version
    that key (``NotAllowed`` otherwise); a new key is owned by the user's union."""
    key = db.session.get(QuestionnaireKey, questionnaire.key)
    is_library = questionnaire.key in library()
    if not can_version_questionnaire(user, key, is_library):
        if is_library or (key is not None and key.owner is None):
            raise NotAllowed(_("Questionnaire %(key)s belongs to the platform library: only "
                               "the platform administrator may publish new versions of it.",
                               key=questionnaire.key))
        raise NotAllowed(_("Questionnaire %(key)s belongs to another union: only its "
                           "administrators may publish new versions of it. Choose another "
                           "key for your own questionnaire.", key=questionnaire.key))
    owner = None if user.role == Role.PLATFORM_ADMIN else user.organisation
    version = publish_questionnaire(questionnaire, user, owner=owner)
    db.session.commit()
    return version
