"""The demo tree and accounts, and ``load_demo``, which loads them with every demo campaign.

Loading is idempotent: units and accounts are matched by code and username, so loading
twice changes nothing. Every code starts with ``DEMO-``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Organisation, OrgKind, Role, User
from survey_app.organisations.operations import recompute_paths

CITY = ("DEMO-CITY", "东湖市总工会（演示）", OrgKind.FEDERATION, None, 0)

DISTRICTS = [
    ("DEMO-D01", "东湖市江滨区总工会", "江滨"),
    ("DEMO-D02", "东湖市青山区总工会", "青山"),
    ("DEMO-D03", "东湖市临湖县总工会", "临湖"),
]
INDUSTRIES = [
    ("DEMO-I01", "东湖市教育工会", "教育"),
    ("DEMO-I02", "东湖市市直机关工委", "市直"),
]
ENTERPRISES = [
    "机械制造有限公司",
    "纺织集团",
    "电子科技有限公司",
    "食品有限公司",
    "物流有限公司",
    "建筑工程有限公司",
    "医药有限公司",
    "汽车零部件有限公司",
    "商贸有限公司",
    "新材料股份有限公司",
    "供水集团",
    "公交集团",
]
SCHOOLS = ["第一中学", "实验小学", "职业技术学院", "第三中学"]
BUREAUS = ["人力资源和社会保障局", "住房和城乡建设局", "卫生健康委员会", "交通运输局"]
BRANCHES = ["生产车间分工会", "技术研发分工会", "后勤保障分工会"]
#: Union groups under each branch union (default one per branch).
GROUPS_PER_BRANCH = {"DEMO-G02": (3, 3, 2)}
GROUP_NUMBERS = "一二三四五"

#: Demo accounts: username, role, organisation code, password. For the demo only.
DEMO_USERS = [
    ("admin", Role.PLATFORM_ADMIN, None, "demo-admin-2026"),
    ("city_admin", Role.UNION_ADMIN, "DEMO-CITY", "demo-city-2026"),
    ("district_admin", Role.UNION_ADMIN, "DEMO-D01", "demo-district-2026"),
    ("g01_admin", Role.UNION_ADMIN, "DEMO-G01", "demo-g01-2026"),
    ("lead_g02", Role.UNION_ADMIN, "DEMO-G02", "demo-lead-g02-2026"),  # 联手兴家 lead
    ("partner_g01", Role.UNION_ADMIN, "DEMO-G01", "demo-partner-g01-2026"),  # its partner
    ("evaluator_d01", Role.EVALUATOR, "DEMO-D01", "demo-eval-2026"),
    ("evaluator_g01", Role.EVALUATOR, "DEMO-G01", "demo-eval-2026"),
    ("assessor", Role.ASSESSOR, None, "demo-assessor-2026"),
    ("analyst", Role.ANALYST, "DEMO-CITY", "demo-analyst-2026"),
]


@dataclass
class DemoReport:
    units_created: int = 0
    users_created: int = 0
    responses_created: int = 0


def demo_units() -> list[tuple[str, str, OrgKind, str | None, int]]:
    """The demo tree as rows (code, name, kind, parent_code, members), parents first."""
    units = [CITY]
    for code, name, _ in DISTRICTS:
        units.append((code, name, OrgKind.DISTRICT_FEDERATION, "DEMO-CITY", 0))
    for code, name, _ in INDUSTRIES:
        units.append((code, name, OrgKind.INDUSTRY_UNION, "DEMO-CITY", 0))
    number = 0
    grassroots: list[tuple[str, int]] = []

    def add_grassroots(parent: str, name: str) -> None:
        nonlocal number
        number += 1
        code = f"DEMO-G{number:02d}"
        # A deterministic spread of sizes, 20 to about 180 members; every fifteenth unit is
        # tiny (8 members), so that suppression of small groups shows in the demo.
        members = 8 if number % 15 == 0 else 20 + (number * 37) % 160
        units.append((code, name, OrgKind.GRASSROOTS_UNION, parent, members))
        grassroots.append((code, members))

    for i, (code, _, place) in enumerate(DISTRICTS):
        for j in range(12):
            add_grassroots(
                code,
                f"{place}{ENTERPRISES[(i * 5 + j) % len(ENTERPRISES)]}"
                f"{'' if j < len(ENTERPRISES) else j}工会",
            )
    for school in SCHOOLS:
        add_grassroots("DEMO-I01", f"东湖市{school}工会")
    for bureau in BUREAUS:
        add_grassroots("DEMO-I02", f"东湖市{bureau}机关工会")
    # The largest grassroots unions have branch unions and union groups; DEMO-G02, the
    # group union of the multi-level campaign, has 3 branch unions and 8 union groups.
    for g_code, g_members in grassroots[:4]:
        groups = GROUPS_PER_BRANCH.get(g_code, (1, 1, 1))
        for k, branch in enumerate(BRANCHES, start=1):
            b_code = f"{g_code}-B{k}"
            b_members = g_members // (len(BRANCHES) + 1)
            units.append((b_code, branch, OrgKind.BRANCH_UNION, g_code, b_members))
            size = (max(8, b_members // groups[k - 1]) if g_code in GROUPS_PER_BRANCH
                    else b_members // 3)
            for t in range(1, groups[k - 1] + 1):
                units.append((f"{b_code}-T{t}", f"{branch[:4]}{GROUP_NUMBERS[t - 1]}组",
                              OrgKind.UNION_GROUP, b_code, size))
    # Higher levels count the members of their subtree's grassroots units.
    totals: dict[str, int] = {}
    by_code = {u[0]: u for u in units}
    for _code, _, kind, parent, members in units:
        if kind == OrgKind.GRASSROOTS_UNION:
            node = parent
            while node is not None:
                totals[node] = totals.get(node, 0) + members
                node = by_code[node][3]
    return [(c, n, k, p, totals.get(c, m)) for c, n, k, p, m in units]


def load_demo(campaigns: bool = True,
              run_steps: Callable[[Sequence[tuple[str, Callable[[], Any]]]], list] | None = None,
              ) -> DemoReport:
    """Create whatever of the demo is missing. Idempotent.

    ``campaigns=False`` loads only the tree and the accounts (the test suite's fixture).
    ``run_steps`` runs the named steps (the command line's progress bar); by default one
    after another.
    """
    def in_order(steps):
        return [step() for _label, step in steps]

    report = DemoReport()
    results = (run_steps or in_order)([
        ("单位和账号", lambda: _load_tree_and_accounts(report)),
        *(_campaign_steps() if campaigns else []),
    ])
    if campaigns:  # the responses of the member surveys, campaigns, levels and committee
        report.responses_created += sum(results[i] for i in (1, 2, 5, 6))
    return report


def _campaign_steps() -> list[tuple[str, Callable[[], Any]]]:
    """The demo's campaigns and what hangs on them, in the order they depend on."""
    from demo.assessment import load_demo_assessment
    from demo.campaigns import load_demo_campaigns
    from demo.committee import load_demo_committee
    from demo.improvement import load_demo_improvement
    from demo.levels import load_demo_levels
    from demo.partnering import load_demo_partnering
    from demo.surveys import load_demo_surveys

    # the assessment last: its partnering and follow-through figures are computed from the
    # activity log and the improvement actions
    return [("会员评议", load_demo_surveys),
            ("测评活动", lambda: load_demo_campaigns() or 0),
            ("联手兴家", load_demo_partnering),
            ("整改", load_demo_improvement),
            ("多级评议", load_demo_levels),
            ("委员述职评议", load_demo_committee),
            ("考核", load_demo_assessment)]


def _load_tree_and_accounts(report: DemoReport) -> None:
    existing = {
        o.code: o
        for o in db.session.scalars(
            select(Organisation).where(Organisation.code.startswith("DEMO-"))
        )
    }
    for code, name, kind, parent_code, members in demo_units():
        if code in existing:
            continue
        org = Organisation(
            code=code,
            name=name,
            kind=kind.value,
            members=members,
            parent=existing.get(parent_code) if parent_code else None,
        )
        db.session.add(org)
        existing[code] = org
        report.units_created += 1
    db.session.flush()
    if report.units_created:
        recompute_paths(db.session.scalars(select(Organisation)).all())
    for username, role, org_code, password in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == username)):
            continue
        user = User(
            username=username,
            role=role.value,
            organisation=existing.get(org_code) if org_code else None,
        )
        user.set_password(password)
        db.session.add(user)
        report.users_created += 1
    db.session.commit()
