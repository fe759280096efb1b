"""Demo 联手兴家: an honours register across several years, this year's network targets of the
city federation, and nine pairs in every state, dated relative to today so that the states
hold whenever the demo is loaded:

- DEMO-G02 (city model home) → DEMO-G01: active, a confirmed activity with a photo every
  month; a supervision note of the city federation, answered;
- DEMO-G02 → DEMO-G03: new (confirmed this month, nothing logged yet);
- DEMO-G05 (provincial) → DEMO-G06: lapsed, last confirmed activity five months ago; an
  unanswered supervision note of DEMO-D01;
- DEMO-G05 → DEMO-G07: finished; DEMO-G05 → DEMO-G08: proposed, awaiting the partner;
- DEMO-G14 (national) → DEMO-G13 and → DEMO-G15: active, the latest activity of the second
  still unconfirmed;
- DEMO-G27 (city) → DEMO-G26: lapsed, nothing confirmed since pairing seven months ago;
- DEMO-G05, DEMO-G14 and DEMO-G27 are below their targets;
- the city federation's thresholds for keeping an honour (动态管理), for 2025 and this year:
  member satisfaction 85 %, participation 30 %, assessment score 80;
- two highlights for the showcase (展示): DEMO-G02 → DEMO-G01's, written by the lead and
  confirmed by the partner (published, two photos), and DEMO-G14 → DEMO-G13's, awaiting the
  partner's confirmation.

Idempotent: nothing is added once the register holds a demo honour (the highlights once a
demo pair has one).
"""

from __future__ import annotations

import io
import os
import secrets
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import Organisation, User
from survey_app.models.honour_review import HonourReviewThresholds
from survey_app.models.partnering import (
    RECHECK_YEARS,
    Activity,
    Agreement,
    Highlight,
    Honour,
    HonourLevel,
    NetworkTarget,
    Pair,
    PlanItem,
    SupervisionNote,
)
from survey_app.partnering.operations import PHOTO_FOLDER, clean_photo

#: (unit, level, year, awarding union, document number)
HONOURS = [
    ("DEMO-G14", "national", 2019, "DEMO-CITY", "总工发〔2019〕12号"),
    ("DEMO-G05", "provincial", 2021, "DEMO-CITY", "省工发〔2021〕30号"),
    ("DEMO-G02", "city", 2022, "DEMO-CITY", "东工发〔2022〕8号"),
    ("DEMO-G27", "city", 2023, "DEMO-CITY", "东工发〔2023〕15号"),
    ("DEMO-G10", "district", 2024, "DEMO-D01", "江工发〔2024〕5号"),
    ("DEMO-G04", "qualified", 2025, "DEMO-D01", "江工发〔2025〕9号"),
    ("DEMO-G37", "city", 2020, "DEMO-CITY", "东工发〔2020〕21号"),
]
TARGETS = {"national": 4, "provincial": 3, "city": 2, "district": 1}

FORMS = ["exchange", "guidance", "joint_event", "site_visit", "training", "online"]
CONTENT = ["规范化建设经验交流", "上门指导工会台账建设", "共同举办职工技能比武",
           "观摩职工书屋和活动阵地", "工会干部业务培训", "线上交流困难帮扶做法"]


def _org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def _months_ago(months: int, day: int = 10) -> date:
    now = today()
    year, month = now.year, now.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return min(date(year, month, day), now)


def _photo(seed: int) -> bytes:
    """A generated photo (a coloured scene), stored the way uploads are stored."""
    from PIL import Image, ImageDraw

    colours = [(196, 40, 40), (40, 120, 196), (60, 160, 90), (220, 160, 40)]
    image = Image.new("RGB", (480, 320), colours[seed % len(colours)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 180, 440, 300), fill=(240, 240, 240))
    for n in range(6):
        draw.ellipse((60 + n * 60, 110, 100 + n * 60, 170), fill=(60, 40, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def _store(data: bytes) -> str:
    folder = os.path.join(current_app.config["UPLOAD_FOLDER"], PHOTO_FOLDER)
    os.makedirs(folder, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    with open(os.path.join(folder, name), "wb") as fh:
        fh.write(clean_photo(data, max_bytes=current_app.config["MAX_CONTENT_LENGTH"]))
    return name


def _pair(lead: str, partner: str, upper: str, state: str, since: date | None) -> Pair:
    pair = Pair(lead=_org(lead), partner=_org(partner), upper=_org(upper), state=state,
                lead_confirmed=True,
                partner_confirmed=state != "proposed", since=since)
    db.session.add(pair)
    if since is not None:
        pair.agreement = Agreement(
            goals="以模范职工之家带动联手对象提升规范化建设水平",
            lead_duties="每月开展一次指导或交流",
            partner_duties="按计划参加活动，及时确认活动记录",
            areas=["organisation", "rules", "activities", "member_services"],
            term_start=since, term_end=date(since.year + 2, since.month, 1) - timedelta(days=1),
            signed_on=since, training="双方工会主席参加市总工会联手兴家业务培训")
        for month in range(1, 13):
            pair.plan.append(PlanItem(year=today().year, month=month,
                                      title=CONTENT[month % len(CONTENT)]))
    return pair


def _activity(pair: Pair, held_on: date, n: int, *, confirmed: bool = True,
              photo: bool = True) -> None:
    at = datetime.combine(held_on, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    pair.activities.append(Activity(
        held_on=held_on, form=FORMS[n % len(FORMS)], content=CONTENT[n % len(CONTENT)],
        participants=8 + (n * 7) % 30, photo_name=_store(_photo(n)) if photo else None,
        confirmed_at=min(at, datetime.now(UTC)) if confirmed else None))


def _pair_of(lead: str, partner: str) -> Pair | None:
    return db.session.scalar(select(Pair).where(Pair.lead_id == _org(lead).id,
                                                Pair.partner_id == _org(partner).id))


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def load_demo_highlights() -> int:
    """The showcase's two demo highlights; returns how many were added."""
    active, national = _pair_of("DEMO-G02", "DEMO-G01"), _pair_of("DEMO-G14", "DEMO-G13")
    if active is None or national is None or active.highlights or national.highlights:
        return 0
    photos = [a.id for a in active.activities if a.confirmed_at and a.photo_name][:2]
    lead, partner = _user("lead_g02"), _user("partner_g01")
    db.session.add(Highlight(
        pair=active, title="月月有活动：会员实名制台账从无到有",
        story="牵头工会每月上门指导，联手对象建立了会员实名制台账和职工书屋，"
              "半年内会员入会率明显提高。",
        photo_activity_ids=photos, author_side="lead",
        written_by_id=lead.id if lead else None,
        confirmed_by_id=partner.id if partner else None,
        confirmed_at=datetime.now(UTC) - timedelta(days=5)))
    db.session.add(Highlight(
        pair=national, title="技能比武共办，班组建家共建",
        story="两家工会联合举办职工技能比武，交流班组小家建设做法。",
        photo_activity_ids=[a.id for a in national.activities
                            if a.confirmed_at and a.photo_name][:1],
        author_side="lead"))
    db.session.commit()
    return 2


def load_demo_partnering() -> int:
    """Add the demo register, targets, pairs and highlights; returns the number of pairs
    added."""
    if db.session.scalar(select(Honour.id).join(Honour.organisation).where(
            Organisation.code.startswith("DEMO-")).limit(1)) is not None:
        load_demo_highlights()
        return 0
    for unit, level, year, awarding, number in HONOURS:
        db.session.add(Honour(organisation=_org(unit), level=level, year=year,
                              awarding=_org(awarding), document_number=number,
                              evidence_note="命名文件及申报材料存档（演示）",
                              recheck_years=RECHECK_YEARS[HonourLevel(level)]))
    city = _org("DEMO-CITY")
    for level, links in TARGETS.items():
        db.session.add(NetworkTarget(upper=city, year=today().year, level=level,
                                     min_links=links))

    active = _pair("DEMO-G02", "DEMO-G01", "DEMO-D01", "confirmed", _months_ago(8, 1))
    for n, months in enumerate(range(8, -1, -1)):
        _activity(active, _months_ago(months, 12 if months else 1), n)
    active.notes.append(SupervisionNote(
        author_org=city, text="请在台账中补充每次活动的参加人员名单。",
        answer="已补充，并在每次活动后上传签到表照片。",
        answered_at=datetime.now(UTC) - timedelta(days=3)))
    _pair("DEMO-G02", "DEMO-G03", "DEMO-D01", "confirmed", today())
    lapsed = _pair("DEMO-G05", "DEMO-G06", "DEMO-D01", "confirmed", _months_ago(9, 1))
    _activity(lapsed, _months_ago(8), 1)
    _activity(lapsed, _months_ago(5), 2, photo=False)
    lapsed.notes.append(SupervisionNote(
        author_org=_org("DEMO-D01"), text="连续五个月没有确认的活动，请说明原因并制定整改计划。"))
    finished = _pair("DEMO-G05", "DEMO-G07", "DEMO-D01", "finished", _months_ago(24, 1))
    finished.finished_on = _months_ago(2, 1)
    _activity(finished, _months_ago(20), 3)
    _pair("DEMO-G05", "DEMO-G08", "DEMO-D01", "proposed", None)
    national = _pair("DEMO-G14", "DEMO-G13", "DEMO-D02", "confirmed", _months_ago(6, 1))
    for n, months in enumerate((5, 3, 1)):
        _activity(national, _months_ago(months), n + 4)
    second = _pair("DEMO-G14", "DEMO-G15", "DEMO-D02", "confirmed", _months_ago(4, 1))
    _activity(second, _months_ago(2), 5)
    _activity(second, _months_ago(0, 1), 6, confirmed=False)
    _pair("DEMO-G27", "DEMO-G26", "DEMO-D03", "confirmed", _months_ago(7, 1))
    for year in sorted({2025, today().year}):
        db.session.add(HonourReviewThresholds(upper=city, year=year, scheme_key="default",
                                              min_satisfaction=0.85, min_participation=0.30,
                                              min_score=80.0))
    db.session.commit()
    load_demo_highlights()
    return db.session.scalar(select(func.count()).select_from(Pair))
