"""The API's request and response schemas (marshmallow): they validate what comes in and
generate the OpenAPI document. Field names are English and stable; dates are ISO 8601;
a withheld (suppressed) figure is ``null``. Unknown fields are refused (marshmallow's
default ``RAISE``)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from survey_app.models.api import API_SCOPES, WEBHOOK_EVENTS

CAMPAIGN_STATUSES = ("draft", "open", "closed", "published")


class ProblemSchema(Schema):
    """An RFC 9457 problem document, in English and Chinese."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Not found"})
    status = fields.Integer(metadata={"example": 404})
    detail = fields.String()
    title_zh = fields.String(metadata={"example": "未找到"})
    detail_zh = fields.String()
    instance = fields.String()
    errors = fields.Raw(metadata={"description": "Field messages of a rejected request"})


class PageArgs(Schema):
    cursor = fields.String(validate=validate.Length(max=200), metadata={
        "description": "The next_cursor of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class PageSchema(Schema):
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Pass as ?cursor= for the next page; null on the last page"})


# ---------------------------------------------------------------- organisations


class OrganisationArgs(PageArgs):
    kind = fields.String(validate=validate.Length(max=32))
    parent = fields.String(validate=validate.Length(max=64), metadata={
        "description": "Only the direct children of this unit (its code)"})


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent_code = fields.String(allow_none=True, required=True)
    depth = fields.Integer(required=True)
    members = fields.Integer(required=True)


class OrganisationPage(PageSchema):
    items = fields.List(fields.Nested(OrganisationSchema), required=True)


class OrganisationImportIn(Schema):
    file = Upload(required=True, metadata={
        "description": "The organisation sheet, as for 导入 on the organisations page and "
                       "`flask orgs import`: CSV (UTF-8 or GBK) or Excel, columns code, name, "
                       "kind, parent_code, members (or their Chinese headers)"})


class OrganisationImportResult(Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    codes = fields.List(fields.String(), required=True, metadata={
        "description": "The units the file created or updated, in the file's order"})


# ---------------------------------------------------------------- campaigns


class CampaignArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES))
    kind = fields.String(validate=validate.Length(max=32))
    year = fields.Integer(validate=validate.Range(1900, 2200))


class RaterGroupSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    weight = fields.Float(required=True)
    rule = fields.String(required=True)


class CampaignSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    cycle = fields.String(required=True)
    year = fields.Integer(allow_none=True, required=True)
    status = fields.String(required=True)
    opens_on = fields.Date(allow_none=True, required=True)
    closes_on = fields.Date(allow_none=True, required=True)
    owner_code = fields.String(allow_none=True, required=True)
    min_group_size = fields.Integer(required=True)
    target_count = fields.Integer(required=True)
    rater_groups = fields.List(fields.Nested(RaterGroupSchema), required=True)


class CampaignPage(PageSchema):
    items = fields.List(fields.Nested(CampaignSchema), required=True)


class OpenCampaignSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    opens_on = fields.Date(allow_none=True, required=True)
    closes_on = fields.Date(allow_none=True, required=True)
    entry = fields.String(required=True, validate=validate.OneOf(("open_link", "access_code")),
                          metadata={"description": "open_link: anyone with the link may "
                                    "answer; access_code: members type the code printed on "
                                    "their slip at entry_url"})
    entry_url = fields.String(required=True)


class OpenCampaignList(Schema):
    unit_code = fields.String(required=True)
    items = fields.List(fields.Nested(OpenCampaignSchema), required=True)


CAMPAIGN_KINDS = ("member", "cross", "peer", "third_party", "four_party", "daily")
RATER_RULES = ("members", "upper", "lower", "peer", "third_party", "named")
ORG_KINDS = ("federation", "district_federation", "industry_union", "grassroots_union",
             "branch_union", "union_group")
CODE_LIST = fields.List(fields.String(validate=validate.Length(1, 64)),
                        validate=validate.Length(max=5000))


class TargetsIn(Schema):
    """Exactly one of ``subtree``, ``level`` (with ``within``) or ``list``, as on the web."""

    subtree = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "A unit and everything below it (its code)"})
    level = fields.String(validate=validate.OneOf(ORG_KINDS), metadata={
        "description": "Every unit of one level"})
    within = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "With level: only below this unit"})
    list = fields.List(fields.String(validate=validate.Length(1, 64)),
                       validate=validate.Length(1, 5000), metadata={
                           "description": "A list of unit codes"})


class RaterGroupIn(Schema):
    key = fields.String(required=True, validate=validate.Length(1, 40))
    name = fields.String(validate=validate.Length(max=200))
    weight = fields.Float(required=True, allow_nan=False, validate=validate.Range(0, 1))
    questionnaire = fields.String(required=True, validate=validate.Length(1, 80), metadata={
        "description": "A key of the questionnaire library, or key@hash of a published "
                       "version usable in the token's part of the tree"})
    rule = fields.String(load_default="members", validate=validate.OneOf(RATER_RULES))
    peers_per_target = fields.Integer(validate=validate.Range(1, 1000))
    assessors = fields.List(fields.String(validate=validate.Length(1, 80)),
                            validate=validate.Length(max=1000), metadata={
                                "description": "third_party: assessor usernames"})
    conflicts = fields.Dict(keys=fields.String(validate=validate.Length(1, 80)),
                            values=CODE_LIST, validate=validate.Length(max=1000), metadata={
                                "description": "third_party: username → unit codes they "
                                               "may not rate"})
    accounts = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)),
                           values=fields.List(fields.String(validate=validate.Length(1, 80)),
                                              validate=validate.Length(max=1000)),
                           validate=validate.Length(max=5000), metadata={
                               "description": "named: unit code → usernames"})


class CampaignIn(Schema):
    """A new campaign, as the web's new-campaign form takes it; it is made a draft."""

    code = fields.String(required=True, validate=validate.Length(1, 64))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_KINDS))
    cycle = fields.String(load_default="annual", validate=validate.OneOf(("annual", "rolling")))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    opens_on = fields.Date()
    closes_on = fields.Date()
    min_group_size = fields.Integer(validate=validate.Range(1, 1000), metadata={
        "description": "The smallest group whose results are shown (k); never below the "
                       "platform's floor (MIN_GROUP_SIZE_FLOOR), which is the default"})
    owner_code = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "The unit that runs it: the token's unit (default) or one below"})
    targets = fields.Nested(TargetsIn, required=True)
    rater_groups = fields.List(fields.Nested(RaterGroupIn), required=True,
                               validate=validate.Length(1, 20))


class CampaignPatch(Schema):
    """What may change: everything here while a draft; once open, name and closes_on."""

    name = fields.String(validate=validate.Length(1, 200))
    opens_on = fields.Date(allow_none=True)
    closes_on = fields.Date(allow_none=True)
    min_group_size = fields.Integer(validate=validate.Range(1, 1000), metadata={
        "description": "May only be raised"})
    weights = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)),
                          values=fields.Float(allow_nan=False, validate=validate.Range(0, 1)),
                          validate=validate.Length(1, 20), metadata={
                              "description": "A weight for each rater group, summing to 1"})


class TransitionSchema(Schema):
    reason = fields.String(validate=validate.Length(max=1000), metadata={
        "description": "Needed to reopen or withdraw (platform admins only)"})


# ---------------------------------------------------------------- results


class ResultArgs(Schema):
    lang = fields.String(load_default="zh", validate=validate.OneOf(("zh", "en")))


class UnitResultRow(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    rank = fields.Integer(allow_none=True, required=True)
    responses = fields.Integer(allow_none=True, required=True)
    overall = fields.Float(allow_none=True, required=True)
    overall_ci_low = fields.Float(allow_none=True, required=True)
    overall_ci_high = fields.Float(allow_none=True, required=True)
    satisfaction_rate = fields.Float(allow_none=True, required=True)
    satisfaction_ci_low = fields.Float(allow_none=True, required=True)
    satisfaction_ci_high = fields.Float(allow_none=True, required=True)
    suppressed = fields.Boolean(required=True)
    suppression = fields.String(allow_none=True, required=True, metadata={
        "description": "Why the figures are withheld (small group, complementary, ...)"})


class ResultTable(Schema):
    campaign_code = fields.String(required=True)
    root_code = fields.String(required=True)
    units = fields.List(fields.Nested(UnitResultRow), required=True)


class DimensionResult(Schema):
    dimension = fields.String(required=True)
    label = fields.String(required=True)
    index = fields.Float(allow_none=True, required=True)
    satisfaction_rate = fields.Float(allow_none=True, required=True)
    ci_low = fields.Float(allow_none=True, required=True)
    ci_high = fields.Float(allow_none=True, required=True)


class ItemResult(Schema):
    item = fields.String(required=True)
    dimension = fields.String(required=True)
    label = fields.String(required=True)
    answers = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Valid answers to the item"})
    satisfied = fields.Integer(allow_none=True, required=True)
    satisfaction_rate = fields.Float(allow_none=True, required=True)
    ci_low = fields.Float(allow_none=True, required=True)
    ci_high = fields.Float(allow_none=True, required=True)


class UnitResult(UnitResultRow):
    campaign_code = fields.String(required=True)
    dimensions = fields.List(fields.Nested(DimensionResult), required=True)
    items = fields.List(fields.Nested(ItemResult), required=True)


# ---------------------------------------------------------------- assessment and honours


class AssessmentArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(1900, 2200))


class AssessmentResultSchema(Schema):
    scheme_key = fields.String(required=True)
    year = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    unit_name = fields.String(required=True)
    score = fields.Float(allow_none=True, required=True)
    grade = fields.String(required=True)
    rank = fields.Integer(allow_none=True, required=True)
    peers = fields.Integer(required=True)
    veto = fields.Boolean(required=True)
    status = fields.String(required=True)
    published_at = fields.DateTime(required=True)


class AssessmentPage(PageSchema):
    items = fields.List(fields.Nested(AssessmentResultSchema), required=True)


class HonourArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(1900, 2200))
    status = fields.String(validate=validate.Length(max=16))


class HonourSchema(Schema):
    id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    unit_name = fields.String(required=True)
    level = fields.String(required=True)
    year = fields.Integer(required=True)
    awarding_code = fields.String(required=True)
    document_number = fields.String(required=True)
    recheck_years = fields.Integer(required=True)
    status = fields.String(required=True)


class HonourPage(PageSchema):
    items = fields.List(fields.Nested(HonourSchema), required=True)


# ---------------------------------------------------------------- tokens and webhooks


class TokenInfo(Schema):
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    organisation_code = fields.String(required=True)
    scopes = fields.List(fields.String(validate=validate.OneOf(API_SCOPES)), required=True)
    expires_at = fields.DateTime(required=True)


class WebhookIn(Schema):
    url = fields.Url(required=True, schemes=("http", "https"), require_tld=False,
                     validate=validate.Length(max=500))
    events = fields.List(fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)),
                         required=True, validate=validate.Length(1, len(WEBHOOK_EVENTS)))


class WebhookSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    organisation_code = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class WebhookCreated(WebhookSchema):
    secret = fields.String(required=True, metadata={
        "description": "Shown once: verify the webhook-signature header with it"})


class WebhookList(Schema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    event_id = fields.String(required=True, metadata={"description": "The webhook-id header"})
    type = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ("pending", "delivered", "failed")))
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(required=True)
    last_status_code = fields.Integer(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)
    delivered_at = fields.DateTime(allow_none=True, required=True)


class DeliveryPage(PageSchema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class CodesIn(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 64))
    count = fields.Integer(required=True, validate=validate.Range(1, 2000))
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "pdf")))


# ---------------------------------------------------------------- improvement actions


MANUAL_ACTION_SOURCES = ("indicator", "veto", "assessor", "comment")
ACTION_STATUSES = ("suggested", "planned", "in_progress", "done", "verified", "dismissed")


class ActionSchema(Schema):
    id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    campaign_code = fields.String(allow_none=True, required=True)
    source_kind = fields.String(required=True)
    source_label = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    owner_name = fields.String(required=True)
    owner_unit_code = fields.String(allow_none=True, required=True)
    due_on = fields.Date(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(ACTION_STATUSES))
    overdue = fields.Boolean(required=True)
    baseline = fields.Float(allow_none=True, required=True)
    target = fields.Float(allow_none=True, required=True)


class ActionPage(PageSchema):
    items = fields.List(fields.Nested(ActionSchema), required=True)


class ActionIn(Schema):
    source_kind = fields.String(required=True, validate=validate.OneOf(MANUAL_ACTION_SOURCES))
    source_label = fields.String(required=True, validate=validate.Length(1, 300))
    title = fields.String(required=True, validate=validate.Length(1, 300))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    owner_name = fields.String(required=True, validate=validate.Length(1, 100))
    owner_unit_code = fields.String(required=True, validate=validate.Length(1, 64))
    due_on = fields.Date(required=True)
    milestones = fields.String(load_default="", validate=validate.Length(max=4000))
    baseline = fields.Float(allow_none=True, load_default=None, allow_nan=False)
    target = fields.Float(allow_none=True, load_default=None, allow_nan=False)


class ProgressIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("planned", "in_progress",
                                                                   "done")))
    text = fields.String(load_default="", validate=validate.Length(max=4000))


# ---------------------------------------------------------------- partnering


ACTIVITY_FORMS = ("exchange", "guidance", "joint_event", "site_visit", "training", "online")


class PairSchema(Schema):
    id = fields.Integer(required=True)
    lead_code = fields.String(required=True)
    partner_code = fields.String(required=True)
    upper_code = fields.String(required=True)
    state = fields.String(required=True)
    since = fields.Date(allow_none=True, required=True)


class PairList(Schema):
    items = fields.List(fields.Nested(PairSchema), required=True)


class ActivityIn(Schema):
    held_on = fields.Date(required=True)
    form = fields.String(required=True, validate=validate.OneOf(ACTIVITY_FORMS))
    content = fields.String(required=True, validate=validate.Length(1, 4000))
    participants = fields.Integer(required=True, validate=validate.Range(0, 100_000))


class ActivitySchema(Schema):
    id = fields.Integer(required=True)
    pair_id = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    form = fields.String(required=True)
    content = fields.String(required=True)
    participants = fields.Integer(required=True)
    confirmed = fields.Boolean(required=True)
    confirmed_at = fields.DateTime(allow_none=True, required=True)
