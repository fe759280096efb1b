"""Publishing questionnaire definitions as immutable versions, and reading them back."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import literal, select

from questionnaires.model import Questionnaire
from survey_app.extensions import db
from survey_app.models import Organisation, QuestionnaireKey, QuestionnaireVersion
from survey_app.models.audit import record


def claim_key(key: str, owner: Organisation | None) -> QuestionnaireKey:
    """The ownership row of ``key``; a key seen for the first time goes to ``owner``
    (None: the platform). An existing key keeps its owner."""
    row = db.session.get(QuestionnaireKey, key)
    if row is None:
        row = QuestionnaireKey(key=key, owner=owner)
        db.session.add(row)
    return row


def publish_questionnaire(questionnaire: Questionnaire, user=None, *,
                          owner: Organisation | None = None) -> QuestionnaireVersion:
    """Store ``questionnaire`` as a published version; the same content returns the same row.

    A version is identified by the hash of its canonical content, so publishing an unchanged
    definition twice is a no-op, and any edit yields a new version. Who may version a key
    is checked by the caller (``permissions.can_version_questionnaire``); a new key is
    owned by ``owner`` (None: the platform), and the version records ``owner`` as the unit
    that published it (None: usable everywhere, as the shipped library is).
    """
    claim_key(questionnaire.key, owner)
    content_hash = questionnaire.content_hash()
    existing = db.session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.content_hash == content_hash)
    )
    if existing is not None:
        return existing
    version = QuestionnaireVersion(
        key=questionnaire.key,
        version=questionnaire.version,
        content_hash=content_hash,
        title_zh=questionnaire.title.zh,
        title_en=questionnaire.title.en,
        definition=questionnaire.to_dict(),
        owner_id=owner.id if owner is not None else None,
    )
    db.session.add(version)
    db.session.flush()
    record("questionnaire.publish", "questionnaire_version", version.id, user,
           key=questionnaire.key, version=questionnaire.version, hash=content_hash)
    return version


def usable_versions_query(scope: Organisation | None):
    """Published versions a campaign of ``scope``'s subtree may use: shared ones (no owner),
    and those owned by ``scope``, a unit below it or a unit above it. None: every version."""
    query = select(QuestionnaireVersion).order_by(QuestionnaireVersion.key,
                                                  QuestionnaireVersion.published_at.desc())
    if scope is None:
        return query
    owner = select(Organisation.id).where(
        Organisation.path.startswith(scope.path) | literal(scope.path).startswith(
            Organisation.path))
    return query.where(QuestionnaireVersion.owner_id.is_(None)
                       | QuestionnaireVersion.owner_id.in_(owner))


def version_choice(version: QuestionnaireVersion) -> str:
    """How a campaign definition names one stored version: ``key@hash-prefix``."""
    return f"{version.key}@{version.content_hash[:12]}"


def content_hash_of(questionnaire: Questionnaire) -> str:
    """The questionnaire's content hash, computed once per object."""
    cached = questionnaire.__dict__.get("_pingjia_hash")
    if cached is None:
        cached = questionnaire.content_hash()
        object.__setattr__(questionnaire, "_pingjia_hash", cached)
    return cached


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    """The typed questionnaire of a stored version (parsed once per process and hash)."""
    return _parse(version.content_hash, _Frozen(version.definition))


class _Frozen:
    """Carries the definition into the cache without making the dict part of the key."""

    def __init__(self, definition: dict):
        self.definition = definition

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen)


@lru_cache(maxsize=256)
def _parse(content_hash: str, frozen: _Frozen) -> Questionnaire:
    questionnaire = Questionnaire.from_dict(frozen.definition)
    if questionnaire.content_hash() != content_hash:
        raise ValueError(f"stored questionnaire {content_hash[:12]} does not match its hash")
    return questionnaire


def is_checklist(version: QuestionnaireVersion) -> bool:
    """Whether the version is an assessors' indicator sheet (第三方评议): it has a checklist,
    scored by points, not by a satisfaction scale."""
    return any(q.type == "checklist" for q in questionnaire_of(version).questions())
