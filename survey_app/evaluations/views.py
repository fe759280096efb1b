"""My evaluations: the pages where evaluator accounts and outside assessors fill the
assignments that name them or their unit, with the same answering form as members.

An evaluator reaches only their own assignments (404 for anyone else's, so ids reveal
nothing).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from questionnaires import validate_answers
from survey_app.answering import (
    answers_from,
    fill,
    form_class,
    pack_item_values,
    relevance_rules,
    scale_values,
    show_answer_errors,
    text_in,
)
from survey_app.campaigns.queries import current_answers, history, open_notices
from survey_app.errors import render_error
from survey_app.evaluations import operations
from survey_app.evaluations.operations import NotAccepting
from survey_app.evaluations.queries import my_evaluations, rater_assignment
from survey_app.extensions import db
from survey_app.models import Assignment, Campaign, CampaignStatus, Role
from survey_app.permissions import roles_required
from survey_app.questionnaire_versions import questionnaire_of

bp = Blueprint("evaluations", __name__)

RATERS = (Role.EVALUATOR, Role.ASSESSOR)


def _lang() -> str:
    return str(get_locale() or "zh")


@bp.get("/evaluations/")
@roles_required(*RATERS)
def my():
    return render_template("evaluations/my.html", rows=my_evaluations(current_user),
                           notices=open_notices(current_user))


@bp.app_context_processor
def _notice_badge():
    """``notice_count()`` for the menu: reminders to the evaluator's unit that still apply."""
    def notice_count() -> int:
        if not (current_user.is_authenticated and current_user.role == Role.EVALUATOR):
            return 0
        return len(open_notices(current_user))

    return {"notice_count": notice_count}


def _fill_page(assignment: Assignment, questionnaire, form, errors: dict, status: int = 200,
               saved: bool = False):
    show_answer_errors(form, errors)
    campaign = db.session.get(Campaign, assignment.campaign_id)
    revisions = history(assignment)
    return render_template(
        "evaluations/evaluate.html", assignment=assignment, campaign=campaign,
        questionnaire=questionnaire, form=form, rules=relevance_rules(questionnaire),
        lang=_lang(), text_in=text_in, error_count=len(errors), saved=saved,
        revisions=revisions, accepting=campaign.accepting_answers(),
        scale_values=scale_values(questionnaire),
    ), status


@bp.route("/evaluations/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(*RATERS)
def evaluate(assignment_id: int):
    assignment = rater_assignment(assignment_id, current_user)
    if assignment is None:
        abort(404)
    campaign = db.session.get(Campaign, assignment.campaign_id)
    if campaign.status == CampaignStatus.DRAFT.value:
        abort(404)
    questionnaire = questionnaire_of(assignment.rater_group.questionnaire_version)
    form = form_class(questionnaire, _lang())()
    if request.method == "GET":
        fill(form, current_answers(assignment))
        return _fill_page(assignment, questionnaire, form, {},
                          saved=bool(request.args.get("saved")))[0]
    if not campaign.accepting_answers():
        return render_error(409, _("This evaluation no longer accepts answers."))
    if not form.validate():  # CSRF and parsing; the answers stay in the form
        return _fill_page(assignment, questionnaire, form, {}, 400)
    raw = answers_from(form, questionnaire)
    if request.form.get("action") == "save":
        operations.save_evaluation_draft(assignment, raw)
        return redirect(url_for("evaluations.evaluate", assignment_id=assignment.id, saved=1))
    cleaned, errors = validate_answers(questionnaire, raw)
    if errors:
        operations.save_evaluation_draft(assignment, raw)  # nothing entered is lost
        return _fill_page(assignment, questionnaire, form, errors, 422)
    try:
        submission = operations.submit_evaluation(assignment, cleaned,
                                           pack_item_values(questionnaire, cleaned),
                                           current_user)
    except NotAccepting:
        return render_error(409, _("This evaluation no longer accepts answers."))
    flash(_("Submitted (revision %(revision)d). You may revise it until the evaluation closes.",
            revision=submission.revision), "success")
    return redirect(url_for("evaluations.my"))
