"""The member's survey path (/s/<code>, open links /o/<token>) and code administration."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, replace

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import escape
from sqlalchemy import select

from questionnaires import Questionnaire, validate_answers
from survey_app.answering import (
    fill,
    form_class,
    pack_item_values,
    posted_answers,
    relevance_rules,
    scale_values,
    show_answer_errors,
    text_in,
)
from survey_app.errors import DomainError, csrf_refused
from survey_app.extensions import db, limiter
from survey_app.member_surveys import codes as code_tools
from survey_app.member_surveys.forms import IssueCodesForm, OpenLinkForm
from survey_app.member_surveys.operations import (
    Ballot,
    CodeAlreadyUsed,
    check_accepting,
    count_refused_lookup,
    create_open_link,
    issue_codes,
    save_draft,
    submit_levels_with_code,
    submit_open,
    submit_with_code,
)
from survey_app.member_surveys.queries import (
    Entry,
    campaign_questionnaire,
    find_code,
    find_link,
    levels_of,
    participation,
    refused_lookups,
)
from survey_app.models import Campaign, OpenLink, Organisation, Role
from survey_app.notices.queries import public_campaign_of
from survey_app.permissions import (
    can_issue_codes,
    can_see_participation,
    managed_campaign,
    require_org_in_scope,
    roles_required,
    taking_part_campaign,
)
from survey_app.permissions import current_scope as _scope
from survey_app.questionnaire_versions import content_hash_of
from survey_app.rate_limits import (
    count_invalid_code,
    guard_campaign_submission,
    guard_code_lookup,
)

bp = Blueprint("member_surveys", __name__)

REFUSALS = {
    404: (_l("This access code is not valid"),
          _l("Check the code on your slip. Codes have 14 letters and digits; 0, O, 1, I and L "
             "are never used.")),
    409: (_l("This access code has already been used"),
          _l("Each code opens one submission only. If you did not submit with it, ask your "
             "union for a new code.")),
    403: (_l("This evaluation has not opened yet"),
          _l("Please come back when the evaluation opens.")),
    410: (_l("This evaluation has closed"),
          _l("Answers are no longer accepted. Thank you for your interest.")),
    400: (_l("This request cannot be processed"), _l("Please go back and try again.")),
}


def _typed_code_problem(error: code_tools.TypedCodeError) -> str:
    if error.reason == "empty":
        return _("Type the code printed on your slip.")
    if error.reason == "look_alike":
        return _("Codes never contain 0, O, 1, I or L, but you typed %(chars)s. Look at the "
                 "slip again: the character there is another one (for example D or Q, "
                 "J or 7).", chars="、".join(error.found))
    if error.reason == "characters":
        return _("A code has only letters and digits; remove %(chars)s.",
                 chars="、".join(error.found))
    return _("A code has %(length)d letters and digits; you typed %(typed)s of them.",
             length=code_tools.LENGTH, typed=error.found)


def code_limit() -> str:
    """Look-ups of codes and links per address (see ``survey_app.rate_limits``)."""
    return current_app.config.get("CODE_RATE_LIMIT") or "30 per minute"


def refuse(status: int, campaign: Campaign | None = None):
    title, message = REFUSALS[status]
    return render_template("member_surveys/refused.html", title=title, message=message,
                           campaign=campaign, status=status), status


def _lang() -> str:
    return str(get_locale() or "zh")


def _submitted_marker(hashed: str) -> str:
    """What this browser's signed session remembers of its own submission: a digest of
    the code's hash, so a double-clicked submit shows the thank-you page, not an error."""
    return hashlib.sha256(("submitted:" + hashed).encode()).hexdigest()[:32]


#: Page shells of an unanswered form, by (questionnaire hash, language): the whole page
#: rendered once, split around the values that differ per request (see ``_SLOTS``). A
#: blank form is the page most members open, and rendering the 30-item form and its
#: frame was the largest part of its cost.
_SHELLS: dict[tuple[str, str], list[str]] = {}

#: The per-request values of a blank form page. The shell is rendered with a marker in
#: their place, and each marker is replaced, escaped, for the member's request. None of
#: them is kept in the shell: a shell never holds a code, a token or a unit's name.
_SLOTS = ("csrf", "path", "campaign", "target", "notice", "unit_page")
_SLOT_MARK = "\x1epingjia-slot-{}\x1e"
_SLOT_SPLIT = re.compile("\x1epingjia-slot-(\\w+)\x1e")


def _form_page_html(questionnaire: Questionnaire, form: FlaskForm | None, entry: Entry,
                    errors: dict[str, str], saved: bool = False, **context) -> str:
    """The form page, rendered: with ``form``'s answers and ``errors``, or blank if
    ``form`` is None. ``context`` overrides template values (the shell's markers)."""
    lang = _lang()
    if form is None:
        form = form_class(questionnaire, lang)(formdata=None)
    show_answer_errors(form, errors)
    context.setdefault("notice_link", _notice_link(entry))
    context.setdefault("unit_page", _unit_page(entry))
    return render_template(
        "member_surveys/form.html", campaign=entry.campaign, target=entry.target,
        error_count=len(errors), saved=saved, questionnaire=questionnaire, form=form,
        lang=lang, text_in=text_in, rules=relevance_rules(questionnaire),
        scale_values=scale_values(questionnaire), **context)


def _notice_link(entry: Entry) -> str:
    """The link to the unit's public results (公示) of an earlier campaign, when its union
    published them: members see what came of the last evaluation before they answer.
    HTML rendered (and escaped) by its own template; empty when there is nothing to show."""
    if entry.notice_read:  # read with the code (queries._entry_query)
        shown = None if entry.notice is None else Notice(*entry.notice)
    else:
        shown = public_campaign_of(entry.target.id)
    if shown is None or shown.id == entry.campaign.id:
        return ""
    return render_template("member_surveys/_notice_link.html", shown=shown,
                           unit_code=entry.target.code)


@dataclass(frozen=True)
class Notice:
    """What the form's link to the public results shows of their campaign."""

    id: int
    name: str


def _unit_page(entry: Entry) -> str:
    """The unit's 你说我改 page: what it did after its members' last evaluation."""
    return url_for("improvement.you_said_we_did", unit_code=entry.target.code)


def _shell(questionnaire: Questionnaire, entry: Entry) -> list[str] | None:
    """The blank form page of ``questionnaire`` in the member's language, split as
    ``[text, slot, text, slot, ..., text]``; None if the page did not render every slot."""
    key = (content_hash_of(questionnaire), _lang())
    shell = _SHELLS.get(key)
    if shell is None:
        mark = {name: _SLOT_MARK.format(name) for name in _SLOTS}
        html = _form_page_html(
            questionnaire, None,
            replace(entry, campaign=replace(entry.campaign, name=mark["campaign"]),
                    target=replace(entry.target, name=mark["target"])),
            {}, csrf_token=lambda: mark["csrf"], lang_next=mark["path"],
            notice_link=mark["notice"], unit_page=mark["unit_page"])
        shell = _SLOT_SPLIT.split(html)
        if set(shell[1::2]) != set(_SLOTS):
            shell = []  # a template that hides a slot: render every page in full instead
        if len(_SHELLS) > 256:
            _SHELLS.clear()
        _SHELLS[key] = shell
    return shell or None


def _blank_page(questionnaire: Questionnaire, entry: Entry) -> str:
    """A blank form page, from its shell when the page has no other per-request part:
    an anonymous visitor (no staff menu), no query string, no flashed message."""
    shell = None
    if not (request.query_string or current_user.is_authenticated or "_flashes" in session):
        shell = _shell(questionnaire, entry)
    if shell is None:
        return _form_page_html(questionnaire, None, entry, {})
    values = {"csrf": escape(generate_csrf()), "path": escape(request.path),
              "campaign": escape(entry.campaign.name), "target": escape(entry.target.name),
              "notice": _notice_link(entry), "unit_page": escape(_unit_page(entry))}
    return "".join([part if i % 2 == 0 else values[part] for i, part in enumerate(shell)])


def _posted_form(questionnaire: Questionnaire) -> FlaskForm:
    """The member's form bound to what was posted, to show the page again with every
    answer kept."""
    return form_class(questionnaire, _lang())()


def _ballot(entry: Entry, questionnaire: Questionnaire, cleaned: dict) -> Ballot:
    return Ballot(entry.campaign.id, entry.target.id, entry.group_id,
                  entry.questionnaire_version_id, cleaned,
                  pack_item_values(questionnaire, cleaned))


#: The member pages whose form comes back, answers kept, when its token has expired.
_ANSWERING = ("member_surveys.member_survey", "member_surveys.open_survey")


@bp.errorhandler(CSRFError)
def _form_token_refused(error: CSRFError):
    """A member who comes back to a form left open past ``WTF_CSRF_TIME_LIMIT`` (or whose
    token is otherwise refused) gets the form again with every answer kept and a fresh
    token, and nothing is stored: the post is not acted on. Elsewhere, the app's page."""
    if request.method != "POST" or request.endpoint not in _ANSWERING:
        return csrf_refused(error)
    g.form_token_refused = True
    page = current_app.view_functions[request.endpoint](**(request.view_args or {}))
    # an unknown code or a closed campaign: the refusal says the form was not accepted
    return page if g.get("form_resumed") else csrf_refused(error)


def _resume_page(questionnaire: Questionnaire, entry: Entry, **context):
    """The posted form again, answers kept, after its token was refused."""
    g.form_resumed = True
    flash(_("The form had expired and has been opened again. Your answers are still here: "
            "please check them and submit again."), "error")
    return _form_page_html(questionnaire, _posted_form(questionnaire), entry, {},
                           **context), 400


@bp.get("/s/")
@limiter.limit(code_limit)
def enter_code():
    """The code typed into the box of the home or refusal page (GET: it changes nothing,
    and the code goes on to its own address as if the member had scanned it)."""
    typed = request.args.get("code", "")[:100]
    try:
        code = code_tools.read_typed(typed)
    except code_tools.TypedCodeError as error:
        return render_template(
            "member_surveys/refused.html", title=_("Check the access code"),
            message=_("Type the code exactly as it is printed on your slip."), campaign=None,
            status=400, typed=typed, problem=_typed_code_problem(error)), 400
    return redirect(url_for("member_surveys.member_survey", code=code))


@bp.route("/s/<code>", methods=["GET", "POST"])
def member_survey(code: str):
    guard_code_lookup()
    normalised = code_tools.normalise(code)
    if not code_tools.is_well_formed(normalised):
        count_invalid_code()
        count_refused_lookup(None, "unknown")
        return refuse(404)
    hashed = code_tools.code_hash(normalised)
    entry = find_code(hashed)
    if entry is None:
        count_invalid_code()
        count_refused_lookup(None, "unknown")
        return refuse(404)
    campaign = entry.campaign
    if entry.used:
        if session.get("submitted") == _submitted_marker(hashed):
            return redirect(url_for("member_surveys.thanks"))
        count_refused_lookup(campaign.id, "used")
        return refuse(409, campaign)
    try:
        check_accepting(campaign)
    except DomainError as refusal:
        return refuse(refusal.status, campaign)
    if entry.next_level_group:
        return _levelled_survey(hashed, normalised, levels_of(entry))
    questionnaire = campaign_questionnaire(entry)

    if request.method == "GET":
        saved = bool(request.args.get("saved"))
        if not (entry.has_draft or saved):
            return _blank_page(questionnaire, entry)
        form = form_class(questionnaire, _lang())(formdata=None)
        fill(form, entry.draft or {})
        return _form_page_html(questionnaire, form, entry, {}, saved=saved)
    if g.get("form_token_refused"):
        return _resume_page(questionnaire, entry)
    guard_campaign_submission(campaign.id)

    raw = posted_answers(request.form, questionnaire)
    cleaned, errors = validate_answers(questionnaire, raw)
    if request.form.get("action") == "save":
        if not save_draft(hashed, raw):  # the code was used in the meantime
            return redirect(url_for("member_surveys.member_survey", code=normalised))
        return redirect(url_for("member_surveys.member_survey", code=normalised, saved=1))
    if errors:
        if not save_draft(hashed, raw):  # nothing the member entered is lost, unless used
            return redirect(url_for("member_surveys.member_survey", code=normalised))
        return _form_page_html(questionnaire, _posted_form(questionnaire), entry, errors), 422
    try:
        submit_with_code(hashed, _ballot(entry, questionnaire, cleaned))
    except CodeAlreadyUsed:
        if session.get("submitted") == _submitted_marker(hashed):
            return redirect(url_for("member_surveys.thanks"))
        count_refused_lookup(campaign.id, "used")
        return refuse(409, campaign)
    except DomainError as refusal:
        return refuse(refusal.status, campaign)
    session["submitted"] = _submitted_marker(hashed)
    session["thanks_unit"] = entry.target.code  # the thank-you page links to its 你说我改
    return redirect(url_for("member_surveys.thanks"))


def _level_drafts(entry: Entry) -> dict[str, dict]:
    """A multi-level code's saved answers, per step ("1", "2" ...)."""
    steps = (entry.draft or {}).get("steps")
    return dict(steps) if isinstance(steps, dict) else {}


def _levelled_survey(hashed: str, code: str, levels: list[Entry]):
    """One code, several units: step 1 rates the member's own unit (a union group, with
    the 职工小家 questionnaire), step 2 the unit above it (the branch union), each with its
    rater group's questionnaire. Each step's answers are kept on the code's row as a
    draft; the last step stores one response per level and uses the code, in one
    transaction (:func:`submit_levels_with_code`). Nothing links the responses of one
    code to each other."""
    entry = levels[0]
    campaign = entry.campaign
    step = min(max(request.args.get("step", 1, type=int) or 1, 1), len(levels))
    here = levels[step - 1]
    questionnaire = campaign_questionnaire(here)
    context = {"step": step, "steps": len(levels)}
    drafts = _level_drafts(entry)
    if request.method == "GET":
        form = form_class(questionnaire, _lang())(formdata=None)
        fill(form, drafts.get(str(step)) or {})
        return _form_page_html(questionnaire, form, here, {},
                               saved=bool(request.args.get("saved")), **context)
    if g.get("form_token_refused"):
        return _resume_page(questionnaire, here, **context)
    guard_campaign_submission(campaign.id)
    raw = posted_answers(request.form, questionnaire)
    cleaned, errors = validate_answers(questionnaire, raw)
    drafts[str(step)] = raw
    again = url_for("member_surveys.member_survey", code=code, step=step)
    if not save_draft(hashed, {"steps": drafts}):  # the code was used in the meantime
        return redirect(again)
    if request.form.get("action") == "save":
        return redirect(url_for("member_surveys.member_survey", code=code, step=step, saved=1))
    if errors:
        return _form_page_html(questionnaire, _posted_form(questionnaire), here, errors,
                               **context), 422
    if step < len(levels):
        return redirect(url_for("member_surveys.member_survey", code=code, step=step + 1))
    ballots = []
    for number, level in enumerate(levels, start=1):
        asked = campaign_questionnaire(level)
        answers, problems = validate_answers(asked, drafts.get(str(number)) or {})
        if problems:  # an earlier step left unfinished: back to it, answers kept
            return redirect(url_for("member_surveys.member_survey", code=code, step=number))
        ballots.append(_ballot(level, asked, answers))
    try:
        submit_levels_with_code(hashed, ballots)
    except CodeAlreadyUsed:
        if session.get("submitted") == _submitted_marker(hashed):
            return redirect(url_for("member_surveys.thanks"))
        count_refused_lookup(campaign.id, "used")
        return refuse(409, campaign)
    except DomainError as refusal:
        return refuse(refusal.status, campaign)
    session["submitted"] = _submitted_marker(hashed)
    return redirect(url_for("member_surveys.thanks"))


@bp.get("/privacy")
def privacy():
    """How a member's answers are protected (你的回答如何被保护): the promise, public."""
    return render_template("member_surveys/privacy.html")


@bp.get("/thanks")
def thanks():
    """Shows nothing that links back to the code: no code, number, time or receipt id; only
    the link to the unit's 你说我改 page (the member knows the unit they rated)."""
    code = session.pop("thanks_unit", None)
    unit_page = (url_for("improvement.you_said_we_did", unit_code=code)
                 if isinstance(code, str) and code else None)
    return render_template("member_surveys/thanks.html", unit_page=unit_page)


@bp.route("/o/<token>", methods=["GET", "POST"])
def open_survey(token: str):
    """An open link (poster QR code, or a daily-evaluation service point)."""
    guard_code_lookup()
    entry = find_link(token[:64])
    if entry is None:
        count_invalid_code()
        return refuse(404)
    campaign = entry.campaign
    try:
        check_accepting(campaign)
    except DomainError as refusal:
        return refuse(refusal.status, campaign)
    repeat_allowed = campaign.kind == "daily"
    answered = set(session.get("open_answered", []))
    if not repeat_allowed and token in answered:
        return refuse(409, campaign)
    questionnaire = campaign_questionnaire(entry)
    if request.method == "GET":
        return _blank_page(questionnaire, entry)
    if g.get("form_token_refused"):
        return _resume_page(questionnaire, entry)
    guard_campaign_submission(campaign.id)
    cleaned, errors = validate_answers(questionnaire, posted_answers(request.form, questionnaire))
    if errors:
        return _form_page_html(questionnaire, _posted_form(questionnaire), entry, errors), 422
    submit_open(_ballot(entry, questionnaire, cleaned))
    if not repeat_allowed:
        session["open_answered"] = sorted(answered | {token})[-50:]
    session["thanks_unit"] = entry.target.code
    return redirect(url_for("member_surveys.thanks"))


# ---------------------------------------------------------------- administration

MANAGERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)


@bp.route("/surveys/<int:campaign_id>/codes", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def codes_admin(campaign_id: int):
    """Codes for the campaign's targets in the user's subtree: its managers, and the admins
    of the lower unions it covers (each for its own members)."""
    campaign = taking_part_campaign(campaign_id)
    rows = [r for r in participation(campaign, _scope())
            if can_issue_codes(current_user, campaign, r.target)]
    form = IssueCodesForm()
    form.target.choices = [(r.target.id, f"{r.target.code} {r.target.name}") for r in rows]
    if form.validate_on_submit():
        target = require_org_in_scope(db.session.get(Organisation, form.target.data))
        if not can_issue_codes(current_user, campaign, target):
            abort(403)
        try:
            codes = issue_codes(campaign, target, form.count.data, user=current_user)
        except DomainError as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("member_surveys.codes_admin", campaign_id=campaign.id))
        return codes_download(campaign, target, codes, form.fmt.data)
    status = 422 if form.errors else 200
    return render_template("member_surveys/codes_admin.html", campaign=campaign, rows=rows,
                           form=form, refused=refused_lookups(campaign)), status


def member_url(code: str) -> str:
    return url_for("member_surveys.member_survey", code=code, _external=True)


def codes_download(campaign: Campaign, target: Organisation, codes: list[str], fmt: str):
    stem = f"codes-{campaign.code}-{target.code}"
    if fmt == "csv":
        from survey_app.member_surveys.sheets import codes_csv

        return Response(codes_csv(target, [(c, member_url(c)) for c in codes]),
                        mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={stem}.csv",
                                 "Cache-Control": "no-store"})
    from survey_app.member_surveys.sheets import code_sheet_pdf

    pdf = code_sheet_pdf(campaign, target, [(c, member_url(c)) for c in codes])
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename={stem}.pdf",
                             "Cache-Control": "no-store"})


@bp.get("/surveys/<int:campaign_id>/participation")
@roles_required(*MANAGERS)
def participation_view(campaign_id: int):
    campaign = taking_part_campaign(campaign_id)
    return render_template("member_surveys/participation.html", campaign=campaign,
                           rows=[r for r in participation(campaign, _scope())
                                 if can_see_participation(current_user, campaign, r.target)])


def qr_data_uri(url: str) -> str:
    import base64

    import qrcode

    buffer = io.BytesIO()
    qrcode.make(url, box_size=5, border=2).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@bp.route("/surveys/<int:campaign_id>/links", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def links_admin(campaign_id: int):
    """Open links: one per poster or service point. Weaker than codes, and the page says so."""
    campaign = managed_campaign(campaign_id)
    scope = _scope()
    targets = [r.target for r in participation(campaign, scope)]
    form = OpenLinkForm()
    form.target.choices = [(t.id, f"{t.code} {t.name}") for t in targets]
    if form.validate_on_submit():
        target = require_org_in_scope(db.session.get(Organisation, form.target.data))
        if target not in targets:
            abort(404)
        create_open_link(campaign, target, form.label.data, user=current_user)
        flash(_("Link created."), "success")
        return redirect(url_for("member_surveys.links_admin", campaign_id=campaign.id))
    links = [link for link in db.session.scalars(
        select(OpenLink).where(OpenLink.campaign_id == campaign.id).order_by(OpenLink.id))
        if scope is None or link.target.is_within(scope)]
    shown = [(link, url_for("member_surveys.open_survey", token=link.token, _external=True))
             for link in links]
    return render_template("member_surveys/links_admin.html", campaign=campaign, form=form,
                           links=[(link, url, qr_data_uri(url)) for link, url in shown],
                           status=422 if form.errors else 200), 422 if form.errors else 200
