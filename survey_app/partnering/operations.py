"""Writes of 联手兴家: the honours register, network targets, pairs (proposed by one side or
by the upper union, confirmed by both), agreements, plans, the activity log (logged by the
lead, confirmed by the partner) and supervision notes. Every change is audited.

Each function checks the rule in :mod:`survey_app.permissions` and refuses bad input with a
:class:`~survey_app.errors.DomainError` whose message is for the user.
"""

from __future__ import annotations

import io
import os
import secrets
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from survey_app import outbox, permissions
from survey_app.dates import today
from survey_app.errors import Conflict, DomainError, NotAllowed, ProblemList
from survey_app.extensions import db
from survey_app.models import Organisation
from survey_app.models.audit import record
from survey_app.models.honour_review import HonourReviewThresholds
from survey_app.models.partnering import (
    HIGHLIGHT_MAX_PHOTOS,
    RECHECK_YEARS,
    Activity,
    ActivityForm,
    Agreement,
    Highlight,
    HonourLevel,
    HonourStatus,
    NetworkTarget,
    Pair,
    PlanItem,
    SupervisionNote,
    WorkArea,
)
from survey_app.models.partnering import Honour as HonourRow

#: Photos larger than this on their longest side are scaled down when re-encoded.
PHOTO_MAX_SIDE = 2000
#: Images with more pixels than this are refused before decoding (decompression bombs).
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_FOLDER = "partnering"


# --------------------------------------------------------------------------- honours


def add_honour(user: Any, *, unit: Organisation, awarding: Organisation, level: str, year: int,
               document_number: str = "", evidence_note: str = "",
               recheck_years: int | None = None) -> HonourRow:
    if not permissions.can_enter_honour(user, awarding, unit):
        raise NotAllowed(_("Your union may only record honours that it or a union below it "
                           "awarded, to a unit below the awarding union."))
    level = HonourLevel(level)
    if not 1949 <= year <= today().year:
        raise DomainError(_("The year of the honour must be between 1949 and this year."))
    duplicate = db.session.scalar(select(HonourRow).where(
        HonourRow.organisation_id == unit.id, HonourRow.level == level.value,
        HonourRow.year == year))
    if duplicate is not None:
        raise Conflict(_("This unit already holds this honour for this year."))
    honour = HonourRow(organisation_id=unit.id, awarding_id=awarding.id, level=level.value,
                       year=year, document_number=document_number.strip(),
                       evidence_note=evidence_note.strip(),
                       recheck_years=recheck_years or RECHECK_YEARS[level],
                       status=HonourStatus.VALID.value)
    db.session.add(honour)
    db.session.flush()
    record("honour.added", "honour", honour.id, user, unit=unit.code, level=level.value,
           year=year, awarding=awarding.code, document_number=honour.document_number)
    outbox.enqueue("honour.recorded", [unit, awarding], {
        "honour_id": honour.id, "unit_code": unit.code, "level": level.value, "year": year,
        "awarding_code": awarding.code})
    return honour


# --------------------------------------------------------------------------- 动态管理


def set_review_thresholds(user: Any, *, upper: Organisation, year: int, scheme_key: str,
                          min_satisfaction: float | None, min_participation: float | None,
                          min_score: float | None) -> HonourReviewThresholds:
    """The thresholds under which an honoured unit below ``upper`` goes on the re-check list
    (rates are shares in [0, 1]; None: not checked)."""
    if not permissions.can_supervise(user, upper):
        raise NotAllowed(_("Only the upper union sets the thresholds for keeping honours."))
    for value in (min_satisfaction, min_participation):
        if value is not None and not 0 <= value <= 1:
            raise DomainError(_("A rate threshold is a percentage between 0 and 100."))
    if min_score is not None and min_score < 0:
        raise DomainError(_("The score threshold cannot be negative."))
    row = db.session.scalar(select(HonourReviewThresholds).where(
        HonourReviewThresholds.upper_id == upper.id, HonourReviewThresholds.year == year))
    before = None
    if row is None:
        row = HonourReviewThresholds(upper_id=upper.id, year=year)
        db.session.add(row)
    else:
        before = {"scheme": row.scheme_key, "satisfaction": row.min_satisfaction,
                  "participation": row.min_participation, "score": row.min_score}
    row.scheme_key = scheme_key
    row.min_satisfaction, row.min_participation, row.min_score = (
        min_satisfaction, min_participation, min_score)
    row.set_by_id = getattr(user, "id", None)
    row.set_at = datetime.now(UTC)
    db.session.flush()
    record("honour.thresholds_set", "organisation", upper.id, user, year=year,
           scheme=scheme_key, satisfaction=min_satisfaction, participation=min_participation,
           score=min_score, before=before)
    return row


def set_honour_status(user: Any, honour: HonourRow, status: str, note: str) -> HonourRow:
    """Warn, withdraw or restore an honour (动态管理); a warning or withdrawal needs a reason."""
    if not permissions.can_enter_honour(user, honour.awarding, honour.organisation):
        raise NotAllowed(_("Only the awarding union (or a union above it) changes an honour."))
    status = HonourStatus(status).value
    note = (note or "").strip()[:4000]
    if status != HonourStatus.VALID.value and not note:
        raise DomainError(_("Give the reason for the warning or the withdrawal."))
    before = honour.status
    honour.status, honour.status_note = status, note
    db.session.flush()
    record("honour.status_changed", "honour", honour.id, user, unit=honour.organisation.code,
           level=honour.level, year=honour.year, before=before, after=status, note=note)
    return honour


def confirm_recommendation(user: Any, *, upper: Organisation, unit: Organisation, level: str,
                           year: int, scheme_key: str, document_number: str = "") -> HonourRow:
    """Record in the register an honour the published assessment recommends for ``unit``;
    ``upper`` is the awarding union."""
    from survey_app.partnering.queries import recommendations

    found = next((r for r in recommendations(upper, year, scheme_key)
                  if r.unit.id == unit.id and r.level == level), None)
    if found is None:
        raise DomainError(_("The published assessment does not recommend this honour for "
                            "this unit, or the register already holds it."))
    honour = add_honour(user, unit=unit, awarding=upper, level=level, year=year,
                        document_number=document_number,
                        evidence_note=_("Recommended by the %(year)s assessment (score "
                                        "%(score)s).", year=year, score=found.score))
    honour.assessment_run_id = found.run.id
    db.session.flush()
    record("honour.recommendation_confirmed", "honour", honour.id, user, unit=unit.code,
           level=level, year=year, scheme=scheme_key, run=found.run.id, score=found.score)
    return honour


# --------------------------------------------------------------------------- targets


def set_target(user: Any, *, upper: Organisation, year: int, level: str,
               min_links: int) -> NetworkTarget:
    if not permissions.can_supervise(user, upper):
        raise NotAllowed(_("Only the upper union sets the network targets."))
    level = HonourLevel(level)
    if min_links < 0:
        raise DomainError(_("A target cannot be negative."))
    target = db.session.scalar(select(NetworkTarget).where(
        NetworkTarget.upper_id == upper.id, NetworkTarget.year == year,
        NetworkTarget.level == level.value))
    if target is None:
        target = NetworkTarget(upper_id=upper.id, year=year, level=level.value, min_links=0)
        db.session.add(target)
    before = target.min_links
    target.min_links = min_links
    db.session.flush()
    record("partnering.target_set", "organisation", upper.id, user, year=year,
           level=level.value, before=before, after=min_links)
    return target


# --------------------------------------------------------------------------- pairs


def _holds_model_honour(unit: Organisation) -> bool:
    from survey_app.partnering.queries import model_honour_level

    return model_honour_level(unit) is not None


def _check_pair(lead: Organisation, partner: Organisation, upper: Organisation) -> None:
    """Refuse a self-pair, a partner outside the upper union's scope, a pair that exists,
    and a lead without a valid model-home honour."""
    if lead.id == partner.id:
        raise DomainError(_("A union cannot pair with itself."))
    if not (lead.is_within(upper) and partner.is_within(upper)):
        raise DomainError(_("The partner union %(code)s is outside the scope of %(upper)s, "
                            "which supervises the pair.", code=partner.code, upper=upper.name))
    existing = db.session.scalar(select(Pair).where(
        or_((Pair.lead_id == lead.id) & (Pair.partner_id == partner.id),
            (Pair.lead_id == partner.id) & (Pair.partner_id == lead.id)),
        Pair.state.in_(("proposed", "confirmed"))))
    if existing is not None:
        raise Conflict(_("%(lead)s and %(partner)s are already paired or proposed.",
                         lead=lead.code, partner=partner.code))
    if not _holds_model_honour(lead):
        raise DomainError(_("%(code)s holds no valid model-home honour and cannot lead a pair.",
                            code=lead.code))


def _reopened(lead: Organisation, partner: Organisation) -> Pair | None:
    """A finished or declined pair of the same two unions, formed again (its log is kept)."""
    return db.session.scalar(select(Pair).where(Pair.lead_id == lead.id,
                                                Pair.partner_id == partner.id))


def decline_proposal(user: Any, *, upper: Organisation, lead: Organisation,
                     partner: Organisation) -> Pair:
    """The upper union declines a pair the matching helper proposed: it is stored as declined
    and never proposed again (until someone proposes the pair by hand)."""
    if not permissions.can_supervise(user, upper):
        raise NotAllowed(_("Only the upper union declines the helper's proposals."))
    if not (lead.is_within(upper) and partner.is_within(upper)):
        raise NotAllowed(_("Both unions must lie in your union's subtree."))
    pair = _reopened(lead, partner)
    if pair is not None and pair.state != "declined":
        raise Conflict(_("These two unions are, or were, paired; the proposal cannot be "
                         "declined."))
    if pair is None:
        pair = Pair(lead_id=lead.id, partner_id=partner.id, upper_id=upper.id, state="declined")
        db.session.add(pair)
    db.session.flush()
    record("partnering.proposal_declined", "pair", pair.id, user, lead=lead.code,
           partner=partner.code, upper=upper.code)
    return pair


def propose_pair(user: Any, *, lead: Organisation, partner: Organisation,
                 upper: Organisation | None = None) -> Pair:
    """A new pair awaiting both confirmations. The side that proposes has confirmed it.

    Without ``upper``, the lead's parent supervises the pair; the partner must lie in the
    supervising union's subtree.
    """
    side = "lead" if getattr(user, "organisation_id", None) == lead.id else None
    if upper is None:
        upper = lead.parent or lead
    if side is None and not permissions.can_supervise(user, upper):
        raise NotAllowed(_("A pair is proposed by the lead union or by the upper union."))
    _check_pair(lead, partner, upper)
    pair = _reopened(lead, partner) or Pair(lead_id=lead.id, partner_id=partner.id)
    pair.upper_id, pair.state = upper.id, "proposed"
    pair.lead_confirmed, pair.partner_confirmed = side == "lead", False
    pair.since = pair.finished_on = None
    db.session.add(pair)
    db.session.flush()
    record("partnering.pair_proposed", "pair", pair.id, user, lead=lead.code,
           partner=partner.code, upper=upper.code)
    return pair


def confirm_pair(user: Any, pair: Pair, side: str | None = None) -> Pair:
    """The current side confirms; once both have, the pair exists (since today)."""
    own = permissions.pair_side(user, pair)
    side = own or side
    if side not in ("lead", "partner") or not permissions.can_confirm_pair(user, pair):
        raise NotAllowed(_("Only the two unions of a pair confirm it."))
    if pair.state != "proposed":
        raise Conflict(_("This pair is no longer awaiting confirmation."))
    setattr(pair, f"{side}_confirmed", True)
    if pair.confirmed:
        pair.state = "confirmed"
        pair.since = today()
    db.session.flush()
    record("partnering.pair_confirmed", "pair", pair.id, user, side=side, state=pair.state)
    return pair


def finish_pair(user: Any, pair: Pair) -> Pair:
    if not (permissions.can_edit_pair(user, pair) or permissions.can_supervise(user, pair.upper)):
        raise NotAllowed(_("Only the pair or its upper union ends a pair."))
    if pair.state != "confirmed":
        raise Conflict(_("Only a running pair can be ended."))
    pair.state = "finished"
    pair.finished_on = today()
    record("partnering.pair_finished", "pair", pair.id, user)
    return pair


def _running(pair: Pair) -> None:
    if pair.state != "confirmed":
        raise Conflict(_("Both unions must confirm the pair first, and it must not have ended."))


# --------------------------------------------------------------------------- agreement, plan


def save_agreement(user: Any, pair: Pair, *, goals: str, lead_duties: str, partner_duties: str,
                   areas: list[str], term_start: date, term_end: date,
                   signed_on: date | None, training: str) -> Agreement:
    if not permissions.can_edit_pair(user, pair):
        raise NotAllowed(_("Only the two unions of a pair edit its agreement."))
    if term_end < term_start:
        raise DomainError(_("The term must end after it starts."))
    if signed_on is not None and signed_on > today():
        raise DomainError(_("The signing date cannot be in the future."))
    areas = [WorkArea(a).value for a in areas]
    agreement = pair.agreement or Agreement(pair=pair)
    before = {"term_start": str(agreement.term_start), "term_end": str(agreement.term_end)}
    agreement.goals, agreement.lead_duties = goals.strip(), lead_duties.strip()
    agreement.partner_duties, agreement.areas = partner_duties.strip(), areas
    agreement.term_start, agreement.term_end = term_start, term_end
    agreement.signed_on, agreement.training = signed_on, training.strip()
    db.session.add(agreement)
    db.session.flush()
    record("partnering.agreement_saved", "pair", pair.id, user, before=before,
           term_start=str(term_start), term_end=str(term_end), areas=areas)
    return agreement


def add_plan_item(user: Any, pair: Pair, *, year: int, month: int, title: str) -> PlanItem:
    if not permissions.can_edit_pair(user, pair):
        raise NotAllowed(_("Only the two unions of a pair edit its plan."))
    agreement = pair.agreement
    if agreement is None:
        raise DomainError(_("Record the agreement and its term before planning activities."))
    if not 1 <= month <= 12:
        raise DomainError(_("The month must be between 1 and 12."))
    first_of_month = date(year, month, 1)
    term_start_month = agreement.term_start.replace(day=1)
    if not term_start_month <= first_of_month <= agreement.term_end:
        raise DomainError(_("%(year)d-%(month)02d lies outside the agreement's term "
                            "(%(start)s to %(end)s).", year=year, month=month,
                            start=agreement.term_start.isoformat(),
                            end=agreement.term_end.isoformat()))
    if not title.strip():
        raise DomainError(_("Give the planned activity a title."))
    item = PlanItem(pair=pair, year=year, month=month, title=title.strip())
    db.session.add(item)
    db.session.flush()
    record("partnering.plan_item_added", "pair", pair.id, user, year=year, month=month,
           title=item.title)
    return item


# --------------------------------------------------------------------------- activities


def clean_photo(data: bytes, *, max_bytes: int) -> bytes:
    """The photo re-encoded as JPEG, without EXIF, GPS or any other metadata.

    The content decides, not the file name: anything Pillow cannot read as a JPEG, PNG or
    WebP image is refused.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise DomainError(_("The photo is empty."))
    if len(data) > max_bytes:
        raise DomainError(_("The photo is larger than %(size)d KiB.", size=max_bytes // 1024))
    not_an_image = DomainError(_("The file is not a photo: only JPEG, PNG and WebP images "
                                 "are accepted."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP"):
                raise not_an_image
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise DomainError(_("The photo has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)  # keep the orientation, drop the tag
            image = image.convert("RGB")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            clean = Image.new("RGB", image.size)
            clean.paste(image)
            out = io.BytesIO()
            clean.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, DomainError):
            raise
        raise not_an_image from exc
    return out.getvalue()


def photo_path(folder: str, name: str) -> str:
    if not (len(name) == 36 and name.endswith(".jpg")
            and all(c in "0123456789abcdef" for c in name[:32])):
        raise DomainError("bad stored name")
    return os.path.join(folder, PHOTO_FOLDER, name)


def log_activity(user: Any, pair: Pair, *, held_on: date, form: str, content: str,
                 participants: int, photo: bytes | None = None, folder: str = "",
                 max_bytes: int = 5 * 1024 * 1024) -> Activity:
    if not permissions.can_log_activity(user, pair):
        raise NotAllowed(_("Only the lead union logs the pair's activities."))
    _running(pair)
    if held_on > today():
        raise DomainError(_("An activity cannot be dated in the future (%(date)s).",
                            date=held_on.isoformat()))
    if pair.since is not None and held_on < pair.since:
        raise DomainError(_("The activity is dated before the pair was formed (%(date)s).",
                            date=pair.since.isoformat()))
    form = ActivityForm(form).value
    if not content.strip():
        raise DomainError(_("Describe what was done."))
    if participants < 0:
        raise DomainError(_("The number of participants cannot be negative."))
    name = None
    if photo:
        try:
            cleaned = clean_photo(photo, max_bytes=max_bytes)
        except DomainError as error:
            error.field = "photo"  # the form shows it beside the photo
            raise
        name = f"{secrets.token_hex(16)}.jpg"
        os.makedirs(os.path.join(folder, PHOTO_FOLDER), exist_ok=True)
        with open(photo_path(folder, name), "xb") as fh:
            fh.write(cleaned)
    activity = Activity(pair=pair, held_on=held_on, form=form, content=content.strip(),
                        participants=participants, photo_name=name,
                        logged_by_id=getattr(user, "id", None))
    db.session.add(activity)
    db.session.flush()
    record("partnering.activity_logged", "pair", pair.id, user, activity_id=activity.id,
           held_on=held_on.isoformat(), form=form, photo=bool(name))
    return activity


def confirm_activity(user: Any, activity: Activity) -> Activity:
    pair = activity.pair
    if not permissions.can_confirm_activity(user, pair):
        raise NotAllowed(_("Only the partner union confirms an activity."))
    if activity.confirmed_at is not None:
        raise Conflict(_("This activity is already confirmed."))
    activity.confirmed_by_id = user.id
    activity.confirmed_at = datetime.now(UTC)
    db.session.flush()
    record("partnering.activity_confirmed", "pair", pair.id, user, activity_id=activity.id)
    outbox.enqueue("partnering.activity.confirmed", [pair.lead, pair.partner], {
        "pair_id": pair.id, "activity_id": activity.id, "held_on": activity.held_on,
        "lead_code": pair.lead.code, "partner_code": pair.partner.code})
    return activity


# --------------------------------------------------------------------------- supervision


def add_note(user: Any, pair: Pair, text: str) -> SupervisionNote:
    if not permissions.can_supervise_pair(user, pair):
        raise NotAllowed(_("Only the upper union leaves supervision notes."))
    if not text.strip():
        raise DomainError(_("The supervision note is empty."))
    note = SupervisionNote(pair=pair, author_org_id=getattr(user.organisation, "id",
                                                            pair.upper_id), text=text.strip())
    db.session.add(note)
    db.session.flush()
    record("partnering.note_added", "pair", pair.id, user, note_id=note.id)
    return note


def answer_note(user: Any, note: SupervisionNote, answer: str) -> SupervisionNote:
    if not permissions.can_answer_note(user, note.pair):
        raise NotAllowed(_("Only the pair answers a supervision note."))
    if not answer.strip():
        raise DomainError(_("The answer is empty."))
    note.answer = answer.strip()
    note.answered_at = datetime.now(UTC)
    db.session.flush()
    record("partnering.note_answered", "pair", note.pair_id, user, note_id=note.id)
    return note


# --------------------------------------------------------------------------- showcase (展示)

#: The longest story a highlight tells.
HIGHLIGHT_STORY_MAX = 2000


def save_highlight(user: Any, pair: Pair, *, title: str, story: str, photo_activity_ids:
                   list[int], highlight: Highlight | None = None) -> Highlight:
    """Write a new highlight of ``pair`` or edit ``highlight``; either way it awaits the other
    side's confirmation (an edit takes a published highlight off the showcase)."""
    side = permissions.pair_side(user, pair)
    if not permissions.can_write_highlight(user, pair):
        raise NotAllowed(_("Only the two unions of a pair write its highlights."))
    if pair.state not in ("confirmed", "finished"):
        raise Conflict(_("Only a pair that has started can show highlights."))
    title, story = title.strip(), story.strip()
    if not title:
        error = DomainError(_("Give the highlight a title."))
        error.field = "title"
        raise error
    if len(story) > HIGHLIGHT_STORY_MAX:
        error = DomainError(_("The story is longer than %(n)d characters.",
                              n=HIGHLIGHT_STORY_MAX))
        error.field = "story"
        raise error
    chosen = list(dict.fromkeys(int(i) for i in photo_activity_ids))
    if len(chosen) > HIGHLIGHT_MAX_PHOTOS:
        error = DomainError(_("Choose at most %(n)d photos.", n=HIGHLIGHT_MAX_PHOTOS))
        error.field = "photos"
        raise error
    usable = {a.id for a in pair.activities if a.confirmed_at is not None and a.photo_name}
    if set(chosen) - usable:
        error = DomainError(_("Only photos of the pair's confirmed activities can be shown."))
        error.field = "photos"
        raise error
    if highlight is None:
        highlight = Highlight(pair=pair)
        db.session.add(highlight)
    elif highlight.pair_id != pair.id:
        raise NotAllowed(_("Only the two unions of a pair write its highlights."))
    highlight.title, highlight.story, highlight.photo_activity_ids = title, story, chosen
    highlight.author_side, highlight.written_by_id = side, getattr(user, "id", None)
    highlight.confirmed_at = highlight.confirmed_by_id = None
    highlight.updated_at = datetime.now(UTC)
    db.session.flush()
    record("partnering.highlight_saved", "pair", pair.id, user, highlight_id=highlight.id,
           photos=len(chosen))
    return highlight


def confirm_highlight(user: Any, highlight: Highlight) -> Highlight:
    """The other side confirms: the highlight is published on the showcase."""
    if not permissions.can_confirm_highlight(user, highlight):
        raise NotAllowed(_("The other union of the pair confirms a highlight."))
    if highlight.published:
        raise Conflict(_("This highlight is already published."))
    highlight.confirmed_by_id = user.id
    highlight.confirmed_at = datetime.now(UTC)
    db.session.flush()
    record("partnering.highlight_published", "pair", highlight.pair_id, user,
           highlight_id=highlight.id)
    return highlight


# --------------------------------------------------------------------------- imports

#: Columns of the pairs import (``upper_code`` and ``since`` may be left empty).
PAIR_COLUMNS = ("lead_code", "partner_code", "upper_code", "since")
#: Columns of the honours import and export.
HONOUR_COLUMNS = ("unit_code", "level", "year", "awarding_code", "document_number",
                  "evidence_note")


def read_csv_rows(data: bytes, columns: tuple[str, ...], required: tuple[str, ...]
                  ) -> list[dict[str, str]]:
    """Rows of a UTF-8 (or GBK) CSV file keyed by column, every value stripped."""
    import csv

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gbk", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise ProblemList([_("Line 1: missing column(s) %(cols)s (expected: %(all)s).",
                             cols=", ".join(missing), all=", ".join(columns))])
    reader.fieldnames = header
    return [{c: (row.get(c) or "").strip() for c in columns} for row in reader]


def _org_or_problem(code: str, line: int, problems: list[str]) -> Organisation | None:
    from survey_app.partnering.queries import org_by_code

    org = org_by_code(code) if code else None
    if org is None:
        problems.append(_("Line %(line)d: no unit has the code %(code)s.", line=line,
                          code=code or "—"))
    return org


def import_pairs(rows: list[dict[str, str]]) -> int:
    """Pairs already agreed outside the platform (both sides confirmed), all or nothing.

    ``upper_code`` defaults to the lead's parent, ``since`` (YYYY-MM-DD) to today. Every
    row passes the checks of a proposal; the problems of every line are reported together.
    """
    problems: list[str] = []
    pairs = []
    for line, row in enumerate(rows, start=2):
        lead = _org_or_problem(row["lead_code"], line, problems)
        partner = _org_or_problem(row["partner_code"], line, problems)
        upper = (_org_or_problem(row["upper_code"], line, problems) if row["upper_code"]
                 else lead.parent or lead if lead else None)
        try:
            since = date.fromisoformat(row["since"]) if row["since"] else today()
        except ValueError:
            problems.append(_("Line %(line)d: %(value)s is not a date (YYYY-MM-DD).",
                              line=line, value=row["since"]))
            continue
        if lead is None or partner is None or upper is None:
            continue
        if since > today():
            problems.append(_("Line %(line)d: the pair cannot start in the future.", line=line))
            continue
        try:
            _check_pair(lead, partner, upper)
        except DomainError as error:
            problems.append(_("Line %(line)d: %(problem)s", line=line, problem=str(error)))
            continue
        if any({lead.id, partner.id} == {p.lead_id, p.partner_id} for p in pairs):
            problems.append(_("Line %(line)d: %(lead)s and %(partner)s appear twice.",
                              line=line, lead=lead.code, partner=partner.code))
            continue
        pair = _reopened(lead, partner) or Pair(lead_id=lead.id, partner_id=partner.id)
        pair.upper_id, pair.state, pair.since, pair.finished_on = upper.id, "confirmed", since, None
        pair.lead_confirmed = pair.partner_confirmed = True
        pairs.append(pair)
    if problems:
        raise ProblemList(problems)
    for pair in pairs:
        db.session.add(pair)
        db.session.flush()
        record("partnering.pair_imported", "pair", pair.id, None, since=pair.since.isoformat())
    return len(pairs)


def parse_honour_level(text: str) -> HonourLevel:
    """A level from its code (``city``) or its Chinese name (市级模范职工之家, or 市级 / 市)."""
    from questionnaires.vocabulary import NAMES

    cleaned = text.strip()
    for level in HonourLevel:
        zh = NAMES[level].zh
        if cleaned in (level.value, zh) or (cleaned and zh.startswith(cleaned)):
            return level
    raise DomainError(_("Unknown honour level %(value)s.", value=cleaned))


def import_honours(rows: list[dict[str, str]]) -> int:
    """Awards typed or kept by the awarding unions, all or nothing."""
    problems: list[str] = []
    ready = []
    for line, row in enumerate(rows, start=2):
        unit = _org_or_problem(row["unit_code"], line, problems)
        awarding = _org_or_problem(row["awarding_code"], line, problems)
        try:
            level = parse_honour_level(row["level"])
            year = int(row["year"])
        except (DomainError, ValueError):
            problems.append(_("Line %(line)d: the level or the year is not valid.", line=line))
            continue
        if unit is None or awarding is None:
            continue
        if not unit.is_within(awarding) or unit.id == awarding.id:
            problems.append(_("Line %(line)d: %(unit)s is not below %(awarding)s.", line=line,
                              unit=unit.code, awarding=awarding.code))
            continue
        key = (unit.id, level.value, year)
        if key in {k for k, _row in ready} or db.session.scalar(select(HonourRow.id).where(
                HonourRow.organisation_id == unit.id, HonourRow.level == level.value,
                HonourRow.year == year)):
            problems.append(_("Line %(line)d: this unit already holds this honour for this "
                              "year.", line=line))
            continue
        if not 1949 <= year <= today().year:
            problems.append(_("Line %(line)d: the year must be between 1949 and this year.",
                              line=line))
            continue
        ready.append((key, HonourRow(organisation_id=unit.id, awarding_id=awarding.id,
                                     level=level.value, year=year,
                                     document_number=row["document_number"],
                                     evidence_note=row["evidence_note"],
                                     recheck_years=RECHECK_YEARS[level])))
    if problems:
        raise ProblemList(problems)
    for _key, honour in ready:
        db.session.add(honour)
        db.session.flush()
        record("honour.imported", "honour", honour.id, None, level=honour.level,
               year=honour.year)
    return len(ready)
