"""Filter form of the report pages (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

from questionnaires.vocabulary import CampaignKind, CampaignStatus, OrgKind, zh_names
from survey_app.release_policy import is_rolling, released_periods
from survey_app.vocabulary import choices

#: Chinese names for documents (台账, PDF), which are Chinese whatever the page language.
KIND_ZH = zh_names(CampaignKind)
STATUS_ZH = zh_names(CampaignStatus)
ORG_KIND_ZH = zh_names(OrgKind)

CAMPAIGN_KINDS = choices(CampaignKind)
UNIT_LEVELS = choices(OrgKind)


class CampaignFilterForm(FlaskForm):
    """Filters of the campaign list: year and kind of campaign."""

    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])
    kind = SelectField(_l("Kind of campaign"), choices=[("", _l("All"))] + CAMPAIGN_KINDS,
                       validators=[Optional()])
    submit = SubmitField(_l("Filter"))


class ReportFilterForm(FlaskForm):
    """Filters of a campaign's pages: rater group and unit level, and for a rolling campaign
    (日常评议) the released month (the pages never show a finer time)."""

    class Meta:
        csrf = False

    group = SelectField(_l("Rater group"), validators=[Optional()], validate_choice=True)
    level = SelectField(_l("Unit level"), choices=[("", _l("Evaluated units"))] + UNIT_LEVELS,
                        validators=[Optional()])
    period = SelectField(_l("Month"), validators=[Optional()], validate_choice=False)
    submit = SubmitField(_l("Filter"))

    def __init__(self, campaign, *args, **kwargs):
        super().__init__(*args, **kwargs)
        levels = [(g.key, g.name) for g in campaign.rater_groups]
        # a multi-level campaign's levels are never pooled (Campaign.report_group)
        self.group.choices = levels if campaign.multi_level else [
            ("", _l("All rater groups")), *levels]
        periods = released_periods(campaign) if is_rolling(campaign) else []
        if periods:
            self.period.choices = [(p, p) for p in reversed(periods)]
        else:
            del self.period
