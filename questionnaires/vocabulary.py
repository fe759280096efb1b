"""The domain's vocabulary: kinds and statuses, with their Chinese and English names.

One module for every package: ``questionnaires`` checks campaign kinds in assessment schemes,
``analysis`` labels unit kinds in ledgers and makes synthetic trees of real kinds, and
``survey_app`` stores the values and shows the names. The values are what the database holds;
never rename one without a migration.

English names are marked with ``N_`` so that the app's catalogue extracts them; the app
translates them when it shows them (``survey_app.vocabulary``). Chinese names are used as they
are in documents that are Chinese whatever the page language (台账, PDF).
"""

from __future__ import annotations

import enum
from typing import NamedTuple


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``text`` for the translation catalogue without translating it here."""
    return text


class Names(NamedTuple):
    zh: str
    en: str


class OrgKind(enum.StrEnum):
    """The kinds of union organisation, top to bottom."""

    FEDERATION = "federation"  # 总工会
    DISTRICT_FEDERATION = "district_federation"  # 县（市、区）总工会
    INDUSTRY_UNION = "industry_union"  # 产业工会 / 工委
    GRASSROOTS_UNION = "grassroots_union"  # 基层工会
    BRANCH_UNION = "branch_union"  # 分工会
    UNION_GROUP = "union_group"  # 工会小组


class CampaignKind(enum.StrEnum):
    MEMBER = "member"  # 会员评家
    CROSS = "cross"  # 上下级工会互评
    PEER = "peer"  # 同级互评
    THIRD_PARTY = "third_party"  # 第三方评议
    FOUR_PARTY = "four_party"  # 四方评议
    DAILY = "daily"  # 日常评议


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class HonourLevel(enum.StrEnum):
    """Levels of the workers'-home honours (模范职工之家 at four levels, and 合格职工之家)."""

    NATIONAL = "national"  # 全国模范职工之家
    PROVINCIAL = "provincial"  # 省级
    CITY = "city"  # 市级
    DISTRICT = "district"  # 县（区）级
    QUALIFIED = "qualified"  # 合格职工之家


class HonourStatus(enum.StrEnum):
    VALID = "valid"  # 有效
    WARNED = "warned"  # 预警（动态管理）
    WITHDRAWN = "withdrawn"  # 撤销


class PairStatus(enum.StrEnum):
    """A 联手兴家 pair's state. ``proposed``, ``declined`` and ``finished`` are stored; a
    confirmed pair is ``new``, ``active`` or ``lapsed`` by its confirmed activities."""

    PROPOSED = "proposed"  # 待双方确认
    NEW = "new"  # 新结对
    ACTIVE = "active"  # 正常开展
    LAPSED = "lapsed"  # 半拉子工程
    FINISHED = "finished"  # 已结束
    DECLINED = "declined"  # 已谢绝


class ActivityForm(enum.StrEnum):
    EXCHANGE = "exchange"  # 经验交流
    GUIDANCE = "guidance"  # 上门指导
    JOINT_EVENT = "joint_event"  # 活动共办
    SITE_VISIT = "site_visit"  # 实地观摩
    TRAINING = "training"  # 培训
    ONLINE = "online"  # 网络互动


class WorkArea(enum.StrEnum):
    """Areas of work a partnering agreement covers."""

    ORGANISATION = "organisation"  # 组织建设
    RULES = "rules"  # 制度建设
    ACTIVITIES = "activities"  # 活动开展
    FINANCE = "finance"  # 经费管理
    FACILITIES = "facilities"  # 阵地建设
    CADRE_TRAINING = "cadre_training"  # 干部培训
    MEMBER_SERVICES = "member_services"  # 职工服务


class ActionStatus(enum.StrEnum):
    """An improvement action's (整改事项) life: proposed, planned, worked on, done, accepted
    by the upper union; or dismissed with a reason. Overdue is derived, never stored."""

    SUGGESTED = "suggested"  # 建议（待采纳）
    PLANNED = "planned"  # 已计划
    IN_PROGRESS = "in_progress"  # 进行中
    DONE = "done"  # 已完成
    VERIFIED = "verified"  # 已验收
    DISMISSED = "dismissed"  # 不予采纳


class ActionSource(enum.StrEnum):
    """What a published result an improvement action answers."""

    ITEM = "item"  # 题目满意率
    DIMENSION = "dimension"  # 维度指数
    IPA = "ipa"  # 优先整改象限
    INDICATOR = "indicator"  # 考核指标失分
    VETO = "veto"  # 一票否决
    ASSESSOR = "assessor"  # 第三方评估建议
    COMMENT = "comment"  # 互评意见


NAMES: dict[enum.StrEnum, Names] = {
    OrgKind.FEDERATION: Names("总工会", N_("Federation")),
    OrgKind.DISTRICT_FEDERATION: Names("县（市、区）总工会", N_("District federation")),
    OrgKind.INDUSTRY_UNION: Names("产业工会", N_("Industry union")),
    OrgKind.GRASSROOTS_UNION: Names("基层工会", N_("Grassroots union")),
    OrgKind.BRANCH_UNION: Names("分工会", N_("Branch union")),
    OrgKind.UNION_GROUP: Names("工会小组", N_("Union group")),
    CampaignKind.MEMBER: Names("会员评家", N_("Member evaluation")),
    CampaignKind.CROSS: Names("上下级工会互评", N_("Cross evaluation")),
    CampaignKind.PEER: Names("同级互评", N_("Peer evaluation")),
    CampaignKind.THIRD_PARTY: Names("第三方评议", N_("Third-party evaluation")),
    CampaignKind.FOUR_PARTY: Names("四方评议", N_("Four-party evaluation")),
    CampaignKind.DAILY: Names("日常评议", N_("Daily evaluation")),
    CampaignStatus.DRAFT: Names("草稿", N_("Draft")),
    CampaignStatus.OPEN: Names("进行中", N_("Open")),
    CampaignStatus.CLOSED: Names("已结束", N_("Closed")),
    CampaignStatus.PUBLISHED: Names("已公布", N_("Published")),
    ActionStatus.SUGGESTED: Names("建议", N_("Suggested")),
    ActionStatus.PLANNED: Names("已计划", N_("Planned")),
    ActionStatus.IN_PROGRESS: Names("进行中", N_("In progress")),
    ActionStatus.DONE: Names("已完成", N_("Done")),
    ActionStatus.VERIFIED: Names("已验收", N_("Verified")),
    ActionStatus.DISMISSED: Names("不予采纳", N_("Dismissed")),
    ActionSource.ITEM: Names("题目满意率", N_("Item satisfaction rate")),
    ActionSource.DIMENSION: Names("维度指数", N_("Dimension index")),
    ActionSource.IPA: Names("优先整改象限", N_("Fix-first quadrant")),
    ActionSource.INDICATOR: Names("考核指标失分", N_("Assessment indicator")),
    ActionSource.VETO: Names("一票否决", N_("Veto finding")),
    ActionSource.ASSESSOR: Names("第三方评估建议", N_("Assessor's recommendation")),
    ActionSource.COMMENT: Names("评议意见", N_("Evaluation comment")),
    HonourLevel.NATIONAL: Names("全国模范职工之家", N_("National model workers' home")),
    HonourLevel.PROVINCIAL: Names("省级模范职工之家", N_("Provincial model workers' home")),
    HonourLevel.CITY: Names("市级模范职工之家", N_("City model workers' home")),
    HonourLevel.DISTRICT: Names("县（区）级模范职工之家", N_("District model workers' home")),
    HonourLevel.QUALIFIED: Names("合格职工之家", N_("Qualified workers' home")),
    HonourStatus.VALID: Names("有效", N_("Valid")),
    HonourStatus.WARNED: Names("预警", N_("Warned")),
    HonourStatus.WITHDRAWN: Names("已撤销", N_("Withdrawn")),
    PairStatus.PROPOSED: Names("待双方确认", N_("Awaiting both confirmations")),
    PairStatus.NEW: Names("新结对", N_("New pair")),
    PairStatus.ACTIVE: Names("正常开展", N_("Active pair")),
    PairStatus.LAPSED: Names("半拉子工程", N_("Lapsed")),
    PairStatus.FINISHED: Names("已结束", N_("Finished")),
    PairStatus.DECLINED: Names("已谢绝", N_("Declined")),
    ActivityForm.EXCHANGE: Names("经验交流", N_("Exchange of experience")),
    ActivityForm.GUIDANCE: Names("上门指导", N_("On-site guidance")),
    ActivityForm.JOINT_EVENT: Names("活动共办", N_("Joint event")),
    ActivityForm.SITE_VISIT: Names("实地观摩", N_("Site visit")),
    ActivityForm.TRAINING: Names("培训", N_("Training")),
    ActivityForm.ONLINE: Names("网络互动", N_("Online exchange")),
    WorkArea.ORGANISATION: Names("组织建设", N_("Organisation building")),
    WorkArea.RULES: Names("制度建设", N_("Rules and procedures")),
    WorkArea.ACTIVITIES: Names("活动开展", N_("Activities")),
    WorkArea.FINANCE: Names("经费管理", N_("Finance")),
    WorkArea.FACILITIES: Names("阵地建设", N_("Facilities")),
    WorkArea.CADRE_TRAINING: Names("干部培训", N_("Training of union officers")),
    WorkArea.MEMBER_SERVICES: Names("职工服务", N_("Services to workers")),
}

#: Model-home levels, highest first (合格职工之家 is not a model home and leads no pair).
MODEL_HOME_LEVELS = (HonourLevel.NATIONAL, HonourLevel.PROVINCIAL, HonourLevel.CITY,
                     HonourLevel.DISTRICT)

#: Default re-check (复查) cycle in years, per honour level.
RECHECK_YEARS: dict[HonourLevel, int] = {
    HonourLevel.NATIONAL: 5, HonourLevel.PROVINCIAL: 3, HonourLevel.CITY: 3,
    HonourLevel.DISTRICT: 2, HonourLevel.QUALIFIED: 2,
}

#: Other Chinese names accepted on import for a unit kind (an org sheet may say 工委).
ORG_KIND_ALIASES: dict[str, OrgKind] = {
    "工委": OrgKind.INDUSTRY_UNION,
    "县总工会": OrgKind.DISTRICT_FEDERATION,
    "区总工会": OrgKind.DISTRICT_FEDERATION,
    "市总工会": OrgKind.FEDERATION,
}

#: Which kinds may be the parent of which. A root may be of any kind.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.FEDERATION: frozenset({OrgKind.FEDERATION}),
    OrgKind.DISTRICT_FEDERATION: frozenset({OrgKind.FEDERATION}),
    OrgKind.INDUSTRY_UNION: frozenset({OrgKind.FEDERATION, OrgKind.DISTRICT_FEDERATION}),
    OrgKind.GRASSROOTS_UNION: frozenset(
        {OrgKind.FEDERATION, OrgKind.DISTRICT_FEDERATION, OrgKind.INDUSTRY_UNION}
    ),
    OrgKind.BRANCH_UNION: frozenset({OrgKind.GRASSROOTS_UNION, OrgKind.BRANCH_UNION}),
    OrgKind.UNION_GROUP: frozenset({OrgKind.GRASSROOTS_UNION, OrgKind.BRANCH_UNION}),
}


def zh_names(kind: type[enum.StrEnum]) -> dict[str, str]:
    """``{value: Chinese name}`` for every member of ``kind`` (e.g. ``zh_names(OrgKind)``)."""
    return {member.value: NAMES[member].zh for member in kind}


def en_names(kind: type[enum.StrEnum]) -> dict[str, str]:
    """``{value: English name}`` (untranslated) for every member of ``kind``."""
    return {member.value: NAMES[member].en for member in kind}


def parse_org_kind(text: str) -> OrgKind:
    """An org kind from its code, its English or its Chinese name (as typed in an import).

    Raises ``ValueError`` for anything else.
    """
    cleaned = str(text).strip()
    lowered = cleaned.lower().replace(" ", "_")
    for kind in OrgKind:
        names = NAMES[kind]
        if lowered in {kind.value, names.en.lower().replace(" ", "_")} or cleaned == names.zh:
            return kind
    if cleaned in ORG_KIND_ALIASES:
        return ORG_KIND_ALIASES[cleaned]
    raise ValueError(f"unknown unit kind {cleaned!r}")
