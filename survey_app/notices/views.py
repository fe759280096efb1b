"""The public notice page (公示) of a unit, its printable version, and the managers' switch."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.models import Role
from survey_app.notices import operations as ops
from survey_app.notices import queries as Q
from survey_app.notices.forms import PublicToggleForm
from survey_app.permissions import managed_campaign, roles_required

bp = Blueprint("notices", __name__)


def _page(unit_code: str, printable: bool):
    unit = Q.unit_by_code(unit_code)
    if unit is None:
        abort(404)
    campaign = Q.public_campaign(unit)
    if campaign is None:
        abort(404)
    url = url_for("notices.unit_results", unit_code=unit.code, _external=True)
    return render_template("notices/results.html", notice=Q.notice(campaign, unit), url=url,
                           qr=Q.qr_data_uri(url, box_size=8 if printable else 5),
                           printable=printable)


@bp.get("/u/<unit_code>/results")
def unit_results(unit_code: str):
    return _page(unit_code, printable=False)


@bp.get("/u/<unit_code>/results/print")
def printable_results(unit_code: str):
    return _page(unit_code, printable=True)


@bp.post("/notices/<int:campaign_id>/public")
@roles_required(Role.PLATFORM_ADMIN, Role.UNION_ADMIN)
def toggle(campaign_id: int):
    campaign = managed_campaign(campaign_id)
    form = PublicToggleForm()
    if not form.validate_on_submit():
        abort(400)
    ops.set_public(campaign, current_user, form.public.data == "on")
    flash(_("Results are shown to members on the public page.") if campaign.public_results
          else _("The public results page is turned off."))
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
