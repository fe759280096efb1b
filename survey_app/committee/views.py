"""Committee members' results (述职评议) and a union's committee list.

A person's result is shown only to whom ``permissions.can_see_person_result`` allows,
and only with at least k raters; below that the page reads "评议人数不足".
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.committee import queries as Q
from survey_app.committee.forms import ROLE_LABELS, CommitteeMemberForm
from survey_app.committee.operations import add_committee_member
from survey_app.errors import DomainError
from survey_app.extensions import db
from survey_app.models import Organisation, Role
from survey_app.permissions import (
    can_manage_committee,
    can_see_person_result,
    roles_required,
)

bp = Blueprint("committee", __name__, url_prefix="/committee")

#: Any account may be linked to a committee member; each page checks the person.
ANY_ROLE = tuple(Role)
MANAGERS = (Role.PLATFORM_ADMIN, Role.UNION_ADMIN)


def _campaign(code: str):
    campaign = Q.campaign_by_code(code)
    if campaign is None or not Q.committee_groups(campaign):
        abort(404)
    return campaign


def _visible_rows(campaign):
    """The campaign's people the current user may see, as result rows."""
    people = [p for p in Q.rated_people(campaign)
              if can_see_person_result(current_user, campaign, p)]
    if not people:
        return []
    results = Q.people_results(campaign)
    return [(p, results.loc[p.id]) for p in people]


@bp.get("/")
@roles_required(*ANY_ROLE)
def index():
    """The committee evaluations in which the user may see someone's result."""
    shown = [(c, rows) for c in Q.committee_campaigns() if (rows := _visible_rows(c))]
    return render_template("committee/index.html", shown=shown, roles=ROLE_LABELS)


@bp.get("/<code>/")
@roles_required(*ANY_ROLE)
def campaign_results(code: str):
    campaign = _campaign(code)
    rows = _visible_rows(campaign)
    if not rows:
        abort(403)
    return render_template("committee/campaign.html", campaign=campaign, rows=rows,
                           roles=ROLE_LABELS)


@bp.get("/<code>/people/<int:person_id>")
@roles_required(*ANY_ROLE)
def person(code: str, person_id: int):
    campaign = _campaign(code)
    person = next((p for p in Q.rated_people(campaign) if p.id == person_id), None)
    if person is None:
        abort(404)
    if not can_see_person_result(current_user, campaign, person):
        abort(403)
    row = Q.people_results(campaign).loc[person.id]
    return render_template("committee/person.html", campaign=campaign, person=person,
                           row=row, roles=ROLE_LABELS)


@bp.route("/units/<unit_code>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def unit(unit_code: str):
    """A union's committee list: who is rated, with their roles and reports."""
    union = db.session.scalar(db.select(Organisation).where(Organisation.code == unit_code))
    if union is None:
        abort(404)
    if not can_manage_committee(current_user, union):
        abort(403)
    form = CommitteeMemberForm()
    status = 200
    if form.validate_on_submit():
        try:
            add_committee_member(union, form.name.data, form.role.data, form.report.data,
                                 user=current_user)
            db.session.commit()
            flash(_("%(name)s added to the committee.", name=form.name.data.strip()),
                  "success")
            return redirect(url_for("committee.unit", unit_code=union.code))
        except DomainError as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            status = refusal.status
    elif form.errors:
        status = 422
    return render_template("committee/unit.html", union=union, people=Q.committee_of(union),
                           form=form, roles=ROLE_LABELS), status
