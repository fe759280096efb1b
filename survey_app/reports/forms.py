"""Filter form of the report pages (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

#: Chinese names for documents (台账, PDF), which are Chinese whatever the page language.
KIND_ZH = {"member": "会员评家", "cross": "上下级工会互评", "peer": "同级互评",
           "third_party": "第三方评议", "four_party": "四方评议", "daily": "日常评议"}
STATUS_ZH = {"draft": "草稿", "open": "进行中", "closed": "已结束", "published": "已公布"}
ORG_KIND_ZH = {"federation": "总工会", "district_federation": "县（市、区）总工会",
               "industry_union": "产业工会", "grassroots_union": "基层工会",
               "branch_union": "分工会", "union_group": "工会小组"}

CAMPAIGN_KINDS = [
    ("member", _l("Member evaluation")), ("cross", _l("Cross evaluation")),
    ("peer", _l("Peer evaluation")), ("third_party", _l("Third-party evaluation")),
    ("four_party", _l("Four-party evaluation")), ("daily", _l("Daily evaluation")),
]
UNIT_LEVELS = [
    ("federation", _l("Federation")), ("district_federation", _l("District federation")),
    ("industry_union", _l("Industry union")), ("grassroots_union", _l("Grassroots union")),
    ("branch_union", _l("Branch union")), ("union_group", _l("Union group")),
]


class CampaignFilterForm(FlaskForm):
    """Filters of the campaign list: year and kind of campaign."""

    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])
    kind = SelectField(_l("Kind of campaign"), choices=[("", _l("All"))] + CAMPAIGN_KINDS,
                       validators=[Optional()])
    submit = SubmitField(_l("Filter"))


class ReportFilterForm(FlaskForm):
    """Filters of a campaign's pages: rater group and unit level."""

    class Meta:
        csrf = False

    group = SelectField(_l("Rater group"), validators=[Optional()], validate_choice=True)
    level = SelectField(_l("Unit level"), choices=[("", _l("Evaluated units"))] + UNIT_LEVELS,
                        validators=[Optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, campaign, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = [("", _l("All rater groups"))] + [
            (g.key, g.name) for g in campaign.rater_groups]
