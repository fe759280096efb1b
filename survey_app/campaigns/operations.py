"""Writes of the campaigns area: creating and editing campaigns, generating and editing
assignments, the lifecycle, and named raters' submissions.

Every write records an audit entry (``models.audit.record``) in the same transaction.
A campaign file is read, checked whole, then written in one transaction: a file with any
problem changes nothing, and the error lists every problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from questionnaires import QuestionnaireError, library
from survey_app.campaigns import rules
from survey_app.campaigns.queries import resolve_targets, tree_edges
from survey_app.errors import Conflict, DomainError, NotAllowed, ProblemList
from survey_app.extensions import db
from survey_app.member_surveys.operations import seal_campaign_storage
from survey_app.models import (
    AccessCode,
    Assignment,
    Campaign,
    CampaignKind,
    CampaignStatus,
    CampaignTarget,
    Draft,
    Notice,
    Organisation,
    OrgKind,
    QuestionnaireVersion,
    RaterGroup,
    Role,
    User,
)
from survey_app.models.audit import record
from survey_app.questionnaire_versions import publish_questionnaire, usable_versions_query

__all__ = [
    "CampaignError", "CampaignSpecError", "IllegalTransition", "NotAllowed",
    "add_assignment", "check_update", "create_campaign", "generate_assignments",
    "publish_questionnaire", "remove_assignment",
    "transition", "update_campaign", "validate_weights",
]

WEIGHT_TOLERANCE = 1e-6
#: How raters are chosen in a rater group (``RaterGroup.rule``).
RULES = ("members", "upper", "lower", "peer", "third_party", "named")
ORG_RULES = {"upper", "lower", "peer"}
CYCLES = ("annual", "rolling")
TARGET_MODES = ("subtree", "level", "list")

#: The legal lifecycle moves. Reopening (closed → open) is for platform admins, with a reason.
TRANSITIONS: dict[tuple[CampaignStatus, CampaignStatus], str] = {
    (CampaignStatus.DRAFT, CampaignStatus.OPEN): "open",
    (CampaignStatus.OPEN, CampaignStatus.CLOSED): "close",
    (CampaignStatus.CLOSED, CampaignStatus.PUBLISHED): "publish",
    (CampaignStatus.CLOSED, CampaignStatus.OPEN): "reopen",
    (CampaignStatus.PUBLISHED, CampaignStatus.CLOSED): "withdraw",
}

#: Steps that cannot simply be taken back: the web asks for a confirmation that says what
#: will happen and to how many (see queries.transition_summary).
CONFIRMED_ACTIONS = frozenset({"close", "publish", "withdraw"})
#: Steps only a platform admin may take, each with a reason for the audit log.
ADMIN_ACTIONS = frozenset({"reopen", "withdraw"})


class CampaignError(DomainError):
    """A refused change to a campaign."""


class IllegalTransition(CampaignError, Conflict):
    status = 409


class CampaignSpecError(CampaignError, ProblemList):
    """A campaign definition with problems; ``problems`` lists every one of them."""


# ---------------------------------------------------------------- campaign definitions


def group_size_floor() -> int:
    """The platform's smallest reporting group size (k), ``MIN_GROUP_SIZE_FLOOR``: a
    campaign may only raise it."""
    return int(current_app.config.get("MIN_GROUP_SIZE_FLOOR", 5)) if has_app_context() else 5


def validate_weights(weights: Mapping[str, float]) -> None:
    """Raise ``CampaignSpecError`` unless the weights are in [0, 1] and sum to 1 (±1e-6)."""
    problems = []
    for key, weight in weights.items():
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not (
            math.isfinite(weight) and 0 <= weight <= 1
        ):
            problems.append(f"rater group {key}: weight {weight!r} must be a number from 0 to 1")
    if not problems and weights:
        total = math.fsum(weights.values())
        if abs(total - 1) > WEIGHT_TOLERANCE:
            terms = " + ".join(f"{k} {w:g}" for k, w in weights.items())
            problems.append(f"the rater group weights sum to {total:g} ({terms}), not 1")
    if problems:
        raise CampaignSpecError(problems)


@dataclass
class GroupSpec:
    key: str
    name: str
    weight: float
    questionnaire: str
    anonymous: bool
    rule: str
    settings: dict = field(default_factory=dict)


@dataclass
class CampaignSpec:
    """A checked campaign definition (from a YAML file or the admin form)."""

    code: str
    name: str
    kind: str
    cycle: str
    year: int | None
    opens_on: date | None
    closes_on: date | None
    owner: str | None
    min_group_size: int
    targets: dict
    groups: list[GroupSpec]


def _text(data: Mapping, key: str, problems: list[str], where: str, *, limit: int = 200,
          required: bool = True) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"{where}{key}: missing")
        return None
    if not isinstance(value, str | int):
        problems.append(f"{where}{key}: must be text")
        return None
    value = str(value).strip()
    if len(value) > limit:
        problems.append(f"{where}{key}: longer than {limit} characters")
    return value


def _date(data: Mapping, key: str, problems: list[str]) -> date | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{key}: {value!r} is not a date (YYYY-MM-DD)")
        return None


def parse_spec(data: Any) -> CampaignSpec:
    """Check a campaign definition (a mapping, e.g. read from YAML); list every problem."""
    if not isinstance(data, Mapping):
        raise CampaignSpecError(["the campaign file must be a mapping (key: value lines)"])
    problems: list[str] = []
    known = {"code", "name", "kind", "cycle", "year", "opens_on", "closes_on", "owner",
             "min_group_size", "targets", "rater_groups"}
    for key in sorted(set(map(str, data)) - known):
        problems.append(f"{key}: unknown key (expected one of {', '.join(sorted(known))})")
    code = _text(data, "code", problems, "", limit=64)
    name = _text(data, "name", problems, "")
    kind = data.get("kind")
    if kind not in {k.value for k in CampaignKind}:
        problems.append(f"kind: {kind!r} is not one of "
                        f"{', '.join(k.value for k in CampaignKind)}")
    cycle = data.get("cycle", "annual")
    if cycle not in CYCLES:
        problems.append(f"cycle: {cycle!r} is not annual or rolling")
    year = data.get("year")
    if cycle == "annual" and not (isinstance(year, int) and 2000 <= year <= 2100):
        problems.append(f"year: an annual campaign needs a year (got {year!r})")
    if cycle == "rolling" and year is not None and not isinstance(year, int):
        problems.append(f"year: {year!r} is not a year")
    opens_on, closes_on = _date(data, "opens_on", problems), _date(data, "closes_on", problems)
    if opens_on and closes_on and closes_on < opens_on:
        problems.append(f"closes_on: {closes_on} is before opens_on {opens_on}")
    floor = group_size_floor()
    min_size = data.get("min_group_size", floor)
    if not isinstance(min_size, int) or isinstance(min_size, bool) or min_size < floor:
        problems.append(_("min_group_size: %(value)s is below the platform's minimum of "
                          "%(floor)s; results of smaller groups are never shown",
                          value=repr(min_size), floor=floor))
    owner = _text(data, "owner", problems, "", limit=64, required=False)
    targets = _target_spec(data.get("targets"), problems)
    groups = _group_specs(data.get("rater_groups"), problems)
    if groups and not problems:
        try:
            validate_weights({g.key: g.weight for g in groups})
        except CampaignSpecError as error:
            problems.extend(error.problems)
    if problems:
        raise CampaignSpecError(problems)
    return CampaignSpec(code=code, name=name, kind=kind, cycle=cycle, year=year,
                        opens_on=opens_on, closes_on=closes_on, owner=owner,
                        min_group_size=min_size, targets=targets, groups=groups)


def _target_spec(raw: Any, problems: list[str]) -> dict:
    if not isinstance(raw, Mapping):
        problems.append("targets: missing (give one of subtree: CODE, level: KIND, list: [CODES])")
        return {}
    modes = [m for m in TARGET_MODES if m in raw]
    extra = set(map(str, raw)) - set(TARGET_MODES) - {"within"}
    if len(modes) != 1 or extra:
        problems.append("targets: give exactly one of subtree, level or list"
                        + (f" (unknown: {', '.join(sorted(extra))})" if extra else ""))
        return {}
    mode = modes[0]
    value = raw[mode]
    if mode == "list":
        if not isinstance(value, list) or not value or not all(
                isinstance(v, str | int) for v in value):
            problems.append("targets.list: must be a list of unit codes")
            return {}
        return {"mode": "list", "codes": [str(v) for v in value]}
    if mode == "level":
        if value not in {k.value for k in OrgKind}:
            problems.append(f"targets.level: {value!r} is not one of "
                            f"{', '.join(k.value for k in OrgKind)}")
            return {}
        spec = {"mode": "level", "kind": value}
        if raw.get("within") is not None:
            spec["root"] = str(raw["within"])
        return spec
    if not isinstance(value, str | int):
        problems.append("targets.subtree: must be a unit code")
        return {}
    return {"mode": "subtree", "root": str(value)}


def _group_specs(raw: Any, problems: list[str]) -> list[GroupSpec]:
    if not isinstance(raw, list) or not raw:
        problems.append("rater_groups: missing (a list of at least one rater group)")
        return []
    groups: list[GroupSpec] = []
    known = {"key", "name", "weight", "questionnaire", "anonymous", "rule", "peers_per_target",
             "seed", "assessors", "conflicts", "per_target", "accounts", "relation"}
    keys: set[str] = set()
    for i, g in enumerate(raw, start=1):
        where = f"rater_groups[{i}]."
        if not isinstance(g, Mapping):
            problems.append(f"rater_groups[{i}]: must be a mapping")
            continue
        for key in sorted(set(map(str, g)) - known):
            problems.append(f"{where}{key}: unknown key")
        key = _text(g, "key", problems, where, limit=40)
        if key in keys:
            problems.append(f"{where}key: {key!r} is used twice")
        keys.add(key)
        name = _text(g, "name", problems, where) or key
        weight = g.get("weight")
        if not isinstance(weight, int | float) or isinstance(weight, bool):
            problems.append(f"{where}weight: missing or not a number")
            weight = 0.0
        questionnaire = _text(g, "questionnaire", problems, where, limit=80)
        rule = g.get("rule", "members")
        if rule not in RULES:
            problems.append(f"{where}rule: {rule!r} is not one of {', '.join(RULES)}")
        anonymous = g.get("anonymous", rule == "members")
        if not isinstance(anonymous, bool):
            problems.append(f"{where}anonymous: must be true or false")
        elif anonymous != (rule == "members"):
            problems.append(f"{where}anonymous: only the members rule is anonymous "
                            "(named raters are organisations or accounts)")
        settings = _group_settings(g, rule, where, problems)
        groups.append(GroupSpec(key=key or "", name=name or "", weight=float(weight),
                                questionnaire=questionnaire or "", anonymous=bool(anonymous),
                                rule=rule, settings=settings))
    return groups


def _group_settings(g: Mapping, rule: str, where: str, problems: list[str]) -> dict:
    settings: dict = {}
    allowed = {
        "peer": {"peers_per_target", "seed"},
        "third_party": {"assessors", "conflicts", "per_target", "seed"},
        "named": {"accounts", "relation"},
    }.get(rule, set())
    for key in ("peers_per_target", "seed", "assessors", "conflicts", "per_target", "accounts",
                "relation"):
        if key in g and key not in allowed:
            problems.append(f"{where}{key}: does not apply to rule {rule}")
    for key in ("peers_per_target", "seed", "per_target"):
        if key in allowed and g.get(key) is not None:
            value = g[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < (
                    0 if key == "seed" else 1):
                problems.append(f"{where}{key}: {value!r} must be a whole number"
                                + ("" if key == "seed" else " of at least 1"))
            else:
                settings[key] = value
    if rule == "third_party":
        assessors = g.get("assessors")
        if not isinstance(assessors, list) or not assessors or not all(
                isinstance(a, str) for a in assessors):
            problems.append(f"{where}assessors: a list of assessor usernames is needed")
        else:
            settings["assessors"] = assessors
        conflicts = g.get("conflicts") or {}
        if not isinstance(conflicts, Mapping) or not all(
                isinstance(v, list) for v in conflicts.values()):
            problems.append(f"{where}conflicts: must map a username to a list of unit codes")
        else:
            settings["conflicts"] = {str(k): [str(c) for c in v] for k, v in conflicts.items()}
    if rule == "named":
        accounts = g.get("accounts")
        if not isinstance(accounts, Mapping) or not accounts or not all(
                isinstance(v, list | str) for v in accounts.values()):
            problems.append(f"{where}accounts: must map a unit code to a list of usernames")
        else:
            settings["accounts"] = {
                str(k): [v] if isinstance(v, str) else [str(u) for u in v]
                for k, v in accounts.items()}
        relation = g.get("relation", "self")
        if relation not in ("self", "parent"):
            problems.append(f"{where}relation: {relation!r} is not self or parent")
        settings["relation"] = relation
    return settings


def _resolve(spec: CampaignSpec, problems: list[str], *, scope: Organisation | None):
    """Look up the owner, the targets, the questionnaires and the accounts a spec names."""
    owner = None
    if spec.owner is not None:
        owner = db.session.scalar(select(Organisation).where(Organisation.code == spec.owner))
        if owner is None:
            problems.append(f"owner: no unit with code {spec.owner!r}")
    if scope is not None:
        if owner is None:
            owner = scope if spec.owner is None else owner
        if owner is not None and not owner.is_within(scope):
            problems.append(f"owner: {owner.code} is outside your part of the tree")
    targets = []
    try:
        targets = resolve_targets(spec.targets, owner)
    except DomainError as error:
        problems.append(f"targets: {error}")
    if owner is not None:
        outside = [t.code for t in targets if not t.is_within(owner)]
        if outside:
            problems.append(f"targets: {', '.join(outside[:5])} not in the owner's subtree "
                            f"({owner.code})")
    if not targets and not any(p.startswith("targets") for p in problems):
        problems.append("targets: no unit selected")
    versions: dict[str, QuestionnaireVersion] = {}
    available = library()
    for group in spec.groups:
        _check_accounts(group, problems)
        q = available.get(group.questionnaire)
        if q is None:
            stored = _stored_version(group.questionnaire, scope)
            if stored is None:
                problems.append(
                    f"rater group {group.key}: no questionnaire {group.questionnaire!r} in the "
                    f"library or among the versions published in or above your part of the "
                    f"tree (library: {', '.join(sorted(available))})")
            else:
                versions[group.key] = stored
            continue
        versions[group.key] = q  # published after all checks pass
    return owner, targets, versions


def _stored_version(name: str, scope: Organisation | None) -> QuestionnaireVersion | None:
    """A published version a campaign in ``scope`` may use, named ``key@hash-prefix`` (that
    version) or ``key`` (its newest usable version)."""
    key, _, prefix = name.partition("@")
    query = usable_versions_query(scope).where(QuestionnaireVersion.key == key)
    if prefix:
        if len(prefix) < 8:
            return None
        query = query.where(QuestionnaireVersion.content_hash.startswith(prefix))
    return db.session.scalars(query.limit(1)).first()


def _check_accounts(group: GroupSpec, problems: list[str]) -> None:
    names: list[str] = []
    if group.rule == "third_party":
        names = list(group.settings.get("assessors", ()))
        conflict_units = {c for v in group.settings.get("conflicts", {}).values() for c in v}
        _check_codes(conflict_units, f"rater group {group.key}: conflicts", problems)
        unknown = set(group.settings.get("conflicts", {})) - set(names)
        if unknown:
            problems.append(f"rater group {group.key}: conflicts name accounts that are not "
                            f"assessors of the group: {', '.join(sorted(unknown))}")
    elif group.rule == "named":
        accounts = group.settings.get("accounts", {})
        names = [u for users in accounts.values() for u in users]
        _check_codes(set(accounts), f"rater group {group.key}: accounts", problems)
    if not names:
        return
    users = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_(names)))}
    missing = sorted(set(names) - set(users))
    if missing:
        problems.append(f"rater group {group.key}: no account named {', '.join(missing)}")
    wanted = {Role.ASSESSOR.value} if group.rule == "third_party" else {
        Role.EVALUATOR.value, Role.ASSESSOR.value}
    wrong = sorted(n for n, u in users.items() if u.role not in wanted)
    if wrong:
        problems.append(f"rater group {group.key}: {', '.join(wrong)} must have the role "
                        f"{' or '.join(sorted(wanted))}")


def _check_codes(codes: Iterable[str], where: str, problems: list[str]) -> None:
    codes = set(codes)
    if not codes:
        return
    found = set(db.session.scalars(select(Organisation.code).where(Organisation.code.in_(codes))))
    missing = sorted(codes - found)
    if missing:
        problems.append(f"{where}: no unit with code {', '.join(missing)}")


def create_campaign(data: Any, user=None, *, scope: Organisation | None = None) -> Campaign:
    """Create a campaign (draft) from a definition; nothing is written if anything is wrong.

    ``scope`` limits the owner and targets to a union admin's subtree.
    """
    spec = data if isinstance(data, CampaignSpec) else parse_spec(data)
    problems: list[str] = []
    if db.session.scalar(select(Campaign.id).where(Campaign.code == spec.code)) is not None:
        problems.append(f"code: a campaign {spec.code!r} already exists")
    owner, targets, versions = _resolve(spec, problems, scope=scope)
    if problems:
        raise CampaignSpecError(problems)
    try:
        campaign = Campaign(
            code=spec.code, name=spec.name, kind=spec.kind, cycle=spec.cycle, year=spec.year,
            opens_on=spec.opens_on, closes_on=spec.closes_on, owner=owner,
            min_group_size=spec.min_group_size, target_spec=spec.targets,
            status=CampaignStatus.DRAFT.value)
        for g in spec.groups:
            version = versions[g.key]
            if not isinstance(version, QuestionnaireVersion):
                version = publish_questionnaire(version, user)
            campaign.rater_groups.append(RaterGroup(
                key=g.key, name=g.name, weight=g.weight, questionnaire_version=version,
                anonymous=g.anonymous, rule=g.rule, settings=g.settings))
        campaign.targets.extend(CampaignTarget(organisation=t) for t in targets)
        db.session.add(campaign)
        db.session.flush()
        record("campaign.create", "campaign", campaign.code, user, kind=spec.kind,
               targets=len(targets),
               groups={g.key: {"weight": g.weight, "rule": g.rule} for g in spec.groups})
        db.session.commit()
    except QuestionnaireError as error:
        db.session.rollback()
        raise CampaignSpecError([f"questionnaire: {error}"]) from error
    except Exception:
        db.session.rollback()
        raise
    return campaign


def _require_status(campaign: Campaign, *allowed: CampaignStatus, what: str) -> None:
    if CampaignStatus(campaign.status) not in allowed:
        states = " or ".join(s.value for s in allowed)
        raise IllegalTransition(
            f"campaign {campaign.code} is {campaign.status}: {what} only while it is {states}")


def check_update(campaign: Campaign, changes: Mapping[str, Any]) -> None:
    """Raise ``IllegalTransition`` or ``CampaignSpecError`` if ``update_campaign`` would
    refuse ``changes``; writes nothing (so a caller may ask again in another language)."""
    status = CampaignStatus(campaign.status)
    draft_only = {"kind", "cycle", "year", "opens_on", "min_group_size", "weights"}
    if status not in (CampaignStatus.DRAFT, CampaignStatus.OPEN):
        raise IllegalTransition(f"campaign {campaign.code} is {campaign.status} and frozen")
    if status == CampaignStatus.OPEN and draft_only & set(changes):
        raise IllegalTransition(
            f"campaign {campaign.code} is open: only its name and closing date may change")
    if "min_group_size" in changes:
        wanted = changes["min_group_size"]
        lowest = max(campaign.min_group_size or 0, group_size_floor())
        if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < lowest:
            raise CampaignSpecError([_("min_group_size: it can only be raised (at least "
                                       "%(lowest)s)", lowest=lowest)])
    weights = changes.get("weights")
    if weights is not None:
        validate_weights(weights)
        groups = {g.key for g in campaign.rater_groups}
        if set(weights) != groups:
            raise CampaignSpecError(["weights: give a weight for each rater group "
                                     f"({', '.join(groups)})"])
    opens_on = changes.get("opens_on", campaign.opens_on)
    closes_on = changes.get("closes_on", campaign.closes_on)
    if opens_on and closes_on and closes_on < opens_on:
        raise CampaignSpecError(["closes_on: before opens_on"])


def update_campaign(campaign: Campaign, changes: Mapping[str, Any], user=None) -> None:
    """Change a campaign's settings; records old and new values.

    While a campaign is a draft everything may change. Once open, only its name and its
    closing date (to extend it) may; closed and published campaigns are frozen.
    """
    check_update(campaign, changes)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    weights = changes.get("weights")
    if weights is not None:
        groups = {g.key: g for g in campaign.rater_groups}
        for key, weight in weights.items():
            if groups[key].weight != weight:
                before[f"weight.{key}"], after[f"weight.{key}"] = groups[key].weight, weight
                groups[key].weight = weight
    for name in ("name", "kind", "cycle", "year", "opens_on", "closes_on", "min_group_size"):
        if name in changes and getattr(campaign, name) != changes[name]:
            before[name], after[name] = getattr(campaign, name), changes[name]
            setattr(campaign, name, changes[name])
    if after:
        record("campaign.update", "campaign", campaign.code, user,
               before={k: _plain(v) for k, v in before.items()},
               after={k: _plain(v) for k, v in after.items()})
    db.session.commit()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# ---------------------------------------------------------------- lifecycle


def transition(campaign: Campaign, to: CampaignStatus | str, user=None,
               reason: str | None = None) -> None:
    """Move a campaign along draft → open → closed → published (or reopen closed → open,
    or withdraw a publication: published → closed).

    Illegal moves raise ``IllegalTransition`` (409 on the web). Reopening and withdrawing need
    a platform admin and a reason, which goes into the audit log.
    """
    to = CampaignStatus(to)
    current = CampaignStatus(campaign.status)
    action = TRANSITIONS.get((current, to))
    if action is None:
        raise IllegalTransition(
            f"campaign {campaign.code} cannot go from {current.value} to {to.value}")
    if action in ADMIN_ACTIONS:
        what, doing = (("reopen a closed campaign", "reopening a closed campaign")
                       if action == "reopen" else
                       ("withdraw published results", "withdrawing published results"))
        if user is not None and not user.has_role(Role.PLATFORM_ADMIN):
            raise NotAllowed(f"only a platform admin may {what}")
        if not (reason or "").strip():
            raise CampaignError(f"{doing} needs a reason")
    if action == "open":
        _check_ready(campaign)
    campaign.status = to.value
    detail: dict[str, Any] = {"from": current.value, "to": to.value}
    if action == "close":
        detail["drafts_purged"] = purge_used_code_drafts(campaign)
    if action == "reopen":
        from survey_app.reports import snapshots

        detail["snapshots_retired"] = snapshots.retire(campaign)
    if reason:
        detail["reason"] = reason.strip()[:1000]
    if to.value in ("open", "closed", "published"):
        _announce(campaign, f"campaign.{'opened' if to.value == 'open' else to.value}")
    record(f"campaign.{action}", "campaign", campaign.code, user, **detail)
    db.session.commit()
    if to == CampaignStatus.CLOSED and current == CampaignStatus.OPEN:
        # arrival order out of the storage, once no answer can arrive any more; then the
        # reports' input is frozen (a rolling campaign's months freeze one by one)
        seal_campaign_storage(campaign)
        freeze_results(campaign, user)


def freeze_results(campaign: Campaign, user=None) -> None:
    """The result snapshot of a campaign that has just closed (none for a rolling campaign,
    whose months freeze one by one, or for a checklist-only one, which has no report)."""
    from survey_app.database import checkpoint_now_or_soon
    from survey_app.release_policy import is_rolling
    from survey_app.reports import snapshots

    if is_rolling(campaign):
        return
    try:
        snapshots.freeze(campaign, user=user)
    except ValueError:  # no scored items: the checklist report reads the live rows
        db.session.rollback()
        return
    db.session.commit()
    # the sealed storage keeps no write-ahead log (docs/anonymity.md, "SQLite files")
    checkpoint_now_or_soon(db.engine)


def _announce(campaign: Campaign, event_type: str) -> None:
    """The webhook event of a state change, committed with it (:mod:`survey_app.outbox`)."""
    from survey_app import outbox

    outbox.enqueue(event_type, [campaign.owner, *(t.organisation for t in campaign.targets)],
                   {"campaign_code": campaign.code, "name": campaign.name,
                    "kind": campaign.kind, "status": campaign.status,
                    "opens_on": campaign.opens_on, "closes_on": campaign.closes_on})


def purge_used_code_drafts(campaign: Campaign) -> int:
    """Clear drafts left on codes of ``campaign`` that are already used; the count.

    A draft lives on its code's row, and the statement that consumes a code clears it
    under the same row lock as a save, so none should be found. The check stays, and
    its count goes into the closing audit entry: a non-zero count means the rule broke.
    Drafts of unused codes stay: a reopened campaign resumes them.
    """
    result = db.session.execute(
        update(AccessCode)
        .where(AccessCode.campaign_id == campaign.id, AccessCode.used.is_(True),
               AccessCode.draft.isnot(None))
        .values(draft=None)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def _check_ready(campaign: Campaign) -> None:
    problems = []
    if not campaign.rater_groups:
        problems.append("it has no rater group")
    else:
        try:
            validate_weights({g.key: g.weight for g in campaign.rater_groups})
        except CampaignSpecError as error:
            problems.extend(error.problems)
    if not campaign.targets:
        problems.append("it has no target unit")
    counts = dict(db.session.execute(
        select(Assignment.rater_group_id, func.count()).where(Assignment.campaign_id == campaign.id)
        .group_by(Assignment.rater_group_id)).all())
    for group in campaign.rater_groups:
        if not group.anonymous and not counts.get(group.id):
            problems.append(f"rater group {group.key} has no assignments (generate them first)")
    if problems:
        raise CampaignError(f"campaign {campaign.code} cannot open: " + "; ".join(problems))


# ---------------------------------------------------------------- assignments


@dataclass
class GenerationReport:
    by_group: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_group.values())


def rule_pairs(campaign: Campaign, group: RaterGroup, edges: list, target_ids: list[int],
               codes: Mapping[str, int]) -> list[tuple]:
    """The (rater, target id) pairs of one group: raters are unit ids or usernames."""
    s = group.settings or {}
    if group.rule == "upper":
        return rules.upper_pairs(edges, target_ids)
    if group.rule == "lower":
        return rules.lower_pairs(edges, target_ids)
    if group.rule == "peer":
        return rules.peer_pairs(edges, target_ids, k=s.get("peers_per_target"),
                                seed=s.get("seed", campaign.year or 0))
    if group.rule == "third_party":
        conflicts = {a: [codes[c] for c in units if c in codes]
                     for a, units in (s.get("conflicts") or {}).items()}
        return rules.third_party_pairs(edges, target_ids, list(s.get("assessors", ())),
                                       conflicts, per_target=s.get("per_target", 1),
                                       seed=s.get("seed", campaign.year or 0))
    if group.rule == "named":
        accounts = {codes[c]: users for c, users in (s.get("accounts") or {}).items()
                    if c in codes}
        return rules.account_pairs(edges, target_ids, accounts, s.get("relation", "self"))
    return []


def generate_assignments(campaign: Campaign, user=None) -> GenerationReport:
    """(Re)generate the rule-made assignments of a draft campaign; hand-made rows stay."""
    _require_status(campaign, CampaignStatus.DRAFT, what="assignments can be generated")
    edges, codes = tree_edges()
    target_ids = sorted(t.organisation_id for t in campaign.targets)
    report = GenerationReport()
    rows: list[dict] = []
    manual = {(a.rater_group_id, a.target_id, a.rater_org_id, a.rater_user_id)
              for a in db.session.scalars(select(Assignment).where(
                  Assignment.campaign_id == campaign.id, Assignment.source == "manual"))}
    for group in campaign.rater_groups:
        try:
            pairs = rule_pairs(campaign, group, edges, target_ids, codes)
        except rules.RuleError as error:
            raise CampaignError(f"rater group {group.key}: {error}") from error
        by_name = {}
        if group.rule in ("third_party", "named"):
            names = {r for r, _ in pairs}
            by_name = dict(db.session.execute(
                select(User.username, User.id).where(User.username.in_(names))).all())
            missing = names - set(by_name)
            if missing:
                raise CampaignError(f"rater group {group.key}: no account named "
                                    f"{', '.join(sorted(missing))}")
        count = 0
        for rater, target in pairs:
            org_id = rater if group.rule in ORG_RULES else None
            user_id = by_name[rater] if group.rule not in ORG_RULES else None
            if (group.id, target, org_id, user_id) in manual:
                continue
            rows.append({"campaign_id": campaign.id, "rater_group_id": group.id,
                         "target_id": target, "rater_org_id": org_id, "rater_user_id": user_id,
                         "source": "rule"})
            count += 1
        report.by_group[group.key] = count
    db.session.execute(delete(Assignment).where(Assignment.campaign_id == campaign.id,
                                                Assignment.source == "rule"))
    if rows:
        db.session.execute(Assignment.__table__.insert(), rows)
    record("assignments.generate", "campaign", campaign.code, user, counts=report.by_group)
    db.session.commit()
    return report


def conflict_of_interest(group: RaterGroup, username: str, target: Organisation) -> str | None:
    """The unit code of ``group``'s declared conflict that ties ``username`` to ``target``
    (the unit itself or a unit above it: a tie covers a subtree), or None.

    The same rule :func:`rules.third_party_pairs` applies when assignments are generated.
    """
    codes = [str(c) for c in ((group.settings or {}).get("conflicts") or {}).get(username, ())]
    if not codes:
        return None
    tied = db.session.scalars(select(Organisation).where(Organisation.code.in_(codes))).all()
    return next((o.code for o in tied if target.is_within(o)), None)


def add_assignment(campaign: Campaign, group: RaterGroup, target: Organisation, *,
                   rater_org: Organisation | None = None, rater_user: User | None = None,
                   user=None) -> Assignment:
    """Add one row by hand (draft campaigns only)."""
    _require_status(campaign, CampaignStatus.DRAFT, what="assignments can be edited")
    if group.campaign_id != campaign.id:
        raise CampaignError("the rater group is not part of this campaign")
    if group.anonymous:
        raise CampaignError(f"rater group {group.key} is anonymous: members use access codes")
    if (rater_org is None) == (rater_user is None):
        raise CampaignError("give either a rater unit or a rater account")
    if not any(t.organisation_id == target.id for t in campaign.targets):
        raise CampaignError(f"{target.code} is not a target of campaign {campaign.code}")
    if rater_org is not None and rater_org.id == target.id:
        raise CampaignError("a unit cannot rate itself")
    if rater_user is not None and rater_user.role not in (Role.EVALUATOR, Role.ASSESSOR):
        raise CampaignError(f"{rater_user.username} is not an evaluator or assessor account")
    if rater_user is not None:
        tie = conflict_of_interest(group, rater_user.username, target)
        if tie is not None:
            raise CampaignError(_(
                "%(rater)s has a conflict of interest with %(unit)s (declared for %(tie)s "
                "in rater group %(group)s) and cannot rate it.",
                rater=rater_user.username, unit=target.code, tie=tie, group=group.key))
    exists = db.session.scalar(select(Assignment.id).where(
        Assignment.rater_group_id == group.id, Assignment.target_id == target.id,
        Assignment.rater_org_id == (rater_org.id if rater_org else None),
        Assignment.rater_user_id == (rater_user.id if rater_user else None)))
    if exists is not None:
        raise CampaignError("this rater already rates this unit in this group")
    assignment = Assignment(campaign_id=campaign.id, rater_group=group, target=target,
                            rater_org=rater_org, rater_user=rater_user, source="manual")
    db.session.add(assignment)
    db.session.flush()
    record("assignment.add", "campaign", campaign.code, user, assignment=assignment.id,
           group=group.key, target=target.code,
           rater=rater_org.code if rater_org else rater_user.username)
    db.session.commit()
    return assignment


def remove_assignment(assignment: Assignment, user=None) -> None:
    """Remove one row (draft campaigns only)."""
    campaign = db.session.get(Campaign, assignment.campaign_id)
    _require_status(campaign, CampaignStatus.DRAFT, what="assignments can be edited")
    record("assignment.remove", "campaign", campaign.code, user, assignment=assignment.id,
           group=assignment.rater_group.key, target=assignment.target.code,
           rater=assignment.rater_org.code if assignment.rater_org
           else assignment.rater_user.username)
    db.session.execute(delete(Draft).where(Draft.assignment_id == assignment.id))
    db.session.delete(assignment)
    db.session.commit()


def send_reminders(campaign: Campaign, org_ids: list[int], user=None) -> int:
    """An in-app reminder to each rater unit of ``org_ids`` (units behind schedule on a named
    rater group; never members of an anonymous one); return how many were sent."""
    units = sorted({i for i in org_ids if i is not None})
    for org_id in units:
        db.session.add(Notice(campaign_id=campaign.id, organisation_id=org_id,
                              sent_by_id=getattr(user, "id", None)))
    record("reminders.send", "campaign", campaign.id, user, units=len(units))
    return len(units)
