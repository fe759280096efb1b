"""Demo improvement actions (整改) of DEMO-G01 from its 2025 member evaluation
(DEMO-MEMBER-2025): Pingjia's suggestions, two of them done and verified by the district
federation, one overdue, one dismissed with its reason. Idempotent: nothing is added when
DEMO-G01 already has actions. Dates are relative to the day the demo is loaded.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.improvement import operations as ops
from survey_app.models import Campaign, Organisation, User
from survey_app.models.improvement import ImprovementAction

#: A one-page PDF standing in for the minutes of a members' meeting.
EVIDENCE = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

PLANS = [  # title, person responsible, months to the due date; None: dismissed
    ("每月开展一次会员座谈，收集意见并在一周内答复", "张建华", 3),
    ("公开职工之家活动经费使用情况，每季度张榜公示", "李晓梅", 3),
    ("职工书屋延长开放时间至晚上八点", "王强", 2),
]
DISMISS_REASON = "该事项已列入企业行政年度计划，由企业统一落实，工会不再单列整改事项。"


def load_demo_improvement() -> int:
    """Create DEMO-G01's demo actions if it has none; return how many were created."""
    g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2025"))
    if g01 is None or campaign is None or campaign.status != "published":
        return 0
    if db.session.scalar(select(ImprovementAction.id).where(
            ImprovementAction.organisation_id == g01.id)):
        return 0
    admin = db.session.scalar(select(User).where(User.username == "g01_admin"))
    district = db.session.scalar(select(User).where(User.username == "district_admin"))
    suggestions = ops.propose(campaign, g01, admin)
    if len(suggestions) < len(PLANS) + 1:
        return len(suggestions)
    day = today()
    started = day - timedelta(days=150)
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads")
    for action in suggestions:
        action.created_on = started
    for n, (action, (title, person, months)) in enumerate(zip(suggestions, PLANS, strict=False)):
        due = started + timedelta(days=30 * months) if n == 2 else day + timedelta(days=30)
        target = round((action.baseline or 0) * (100 if action.source_kind == "item" else 1) + 5, 1)
        ops.accept(action, {"title": title, "description": "", "owner_name": person,
                            "owner_unit": g01, "due_on": due, "target": target,
                            "milestones": f"{started + timedelta(days=30)} 制定方案\n"
                                          f"{started + timedelta(days=75)} 全面实施"}, admin)
        if n < 2:  # done with evidence, and verified by the district federation
            ops.progress(action, status="done", text="已按计划完成，附会议纪要。",
                         filename="会议纪要.pdf", data=EVIDENCE, folder=folder, user=admin,
                         on=day - timedelta(days=40 - 10 * n))
            ops.verify(action, "经现场查看和会员访谈，验收合格。", district,
                       at=datetime.now(UTC) - timedelta(days=20 - 5 * n))
        else:  # started, then stalled: overdue
            ops.progress(action, status="in_progress", text="已制定方案，待落实。", user=admin)
    ops.dismiss(suggestions[len(PLANS)], DISMISS_REASON, admin)
    db.session.commit()
    return len(suggestions)
