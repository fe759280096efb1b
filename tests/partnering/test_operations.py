"""The rules of 联手兴家, each refusal with its message, and the audit trail."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from survey_app.dates import today
from survey_app.errors import Conflict, DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.models import AuditEntry
from survey_app.models.partnering import Honour, PairStatus
from survey_app.partnering import operations as ops
from survey_app.partnering import queries
from tests.partnering.conftest import make_admin, org, user


def _pair(confirm: bool = True):
    pair = ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G01"))
    if confirm:
        ops.confirm_pair(user("g01_admin"), pair)
    return pair


def _agreement(pair, start=date(2026, 1, 1), end=date(2027, 12, 31)):
    return ops.save_agreement(user("g01_admin"), pair, goals="提升规范化建设", lead_duties="指导",
                              partner_duties="配合", areas=["organisation", "rules"],
                              term_start=start, term_end=end, signed_on=None, training="业务培训")


def _jpeg_with_gps() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# ---------------------------------------------------------------- honours


def test_awarding_union_records_honours_below_it(ctx):
    honour = ops.add_honour(user("district_admin"), unit=org("DEMO-G03"),
                            awarding=org("DEMO-D01"), level="district", year=2025)
    assert honour.recheck_years == 2 and honour.recheck_due == 2027
    with pytest.raises(NotAllowed):  # the district cannot record the city's awards
        ops.add_honour(user("district_admin"), unit=org("DEMO-G03"), awarding=org("DEMO-CITY"),
                       level="city", year=2025)
    with pytest.raises(NotAllowed):  # a grassroots admin records nothing
        ops.add_honour(user("g01_admin"), unit=org("DEMO-G01"), awarding=org("DEMO-G01"),
                       level="qualified", year=2025)
    with pytest.raises(Conflict):
        ops.add_honour(user("admin"), unit=org("DEMO-G02"), awarding=org("DEMO-CITY"),
                       level="city", year=2024)
    with pytest.raises(DomainError, match="year"):
        ops.add_honour(user("admin"), unit=org("DEMO-G04"), awarding=org("DEMO-CITY"),
                       level="city", year=today().year + 1)


def test_model_honour_level_is_the_highest_valid_one(ctx):
    ops.add_honour(user("admin"), unit=org("DEMO-G02"), awarding=org("DEMO-CITY"),
                   level="provincial", year=2025)
    ops.add_honour(user("admin"), unit=org("DEMO-G02"), awarding=org("DEMO-CITY"),
                   level="qualified", year=2026)
    assert queries.model_honour_level(org("DEMO-G02")) == "provincial"
    assert queries.model_honour_level(org("DEMO-G02"), year=2024) == "city"
    honour = db.session.scalar(select(Honour).where(Honour.level == "provincial"))
    honour.status = "withdrawn"
    assert queries.model_honour_level(org("DEMO-G02")) == "city"


# ---------------------------------------------------------------- pairs


def test_a_pair_exists_only_once_both_sides_confirm(ctx):
    pair = _pair(confirm=False)
    assert pair.lead_confirmed and not pair.partner_confirmed
    assert pair.status(today()) == PairStatus.PROPOSED
    assert pair.upper.code == "DEMO-D01"
    with pytest.raises(NotAllowed):
        ops.confirm_pair(user("district_admin"), pair)
    ops.confirm_pair(user("g01_admin"), pair)
    assert pair.state == "confirmed" and pair.since == today()
    assert pair.status(today()) == PairStatus.NEW
    with pytest.raises(Conflict):
        ops.confirm_pair(user("g01_admin"), pair)


def test_upper_union_proposal_awaits_both_sides(ctx):
    pair = ops.propose_pair(user("city_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G13"),
                            upper=org("DEMO-CITY"))
    assert not pair.lead_confirmed and not pair.partner_confirmed
    ops.confirm_pair(user("g02_admin"), pair)
    assert pair.state == "proposed"


def test_bad_pairs_are_refused_with_a_clear_message(ctx):
    lead = org("DEMO-G02")
    with pytest.raises(DomainError, match="itself"):
        ops.propose_pair(user("g02_admin"), lead=lead, partner=lead)
    with pytest.raises(DomainError, match="outside the scope"):  # G13 lies under D02
        ops.propose_pair(user("g02_admin"), lead=lead, partner=org("DEMO-G13"))
    with pytest.raises(DomainError, match="no valid model-home honour"):
        ops.propose_pair(user("g01_admin"), lead=org("DEMO-G01"), partner=org("DEMO-G03"))
    with pytest.raises(NotAllowed):  # neither the lead nor its upper union
        ops.propose_pair(user("g01_admin"), lead=lead, partner=org("DEMO-G03"))
    _pair()
    with pytest.raises(Conflict, match="already paired"):
        ops.propose_pair(user("g02_admin"), lead=lead, partner=org("DEMO-G01"))
    with pytest.raises(Conflict, match="already paired"):  # the same two, the other way round
        ops.propose_pair(user("admin"), lead=org("DEMO-G01"), partner=lead)


def test_refusals_are_in_chinese_for_chinese_pages(ctx):
    from flask_babel import force_locale

    with force_locale("zh"), pytest.raises(DomainError) as refused:
        ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G02"))
    assert "结对" in str(refused.value)


# ---------------------------------------------------------------- agreement and plan


def test_either_side_edits_the_agreement_and_plan_within_the_term(ctx):
    pair = _pair()
    with pytest.raises(DomainError, match="end after"):
        _agreement(pair, start=date(2026, 6, 1), end=date(2026, 1, 1))
    _agreement(pair)
    item = ops.add_plan_item(user("g02_admin"), pair, year=2026, month=3, title="经验交流会")
    assert item.title == "经验交流会"
    with pytest.raises(DomainError, match="outside the agreement's term"):
        ops.add_plan_item(user("g01_admin"), pair, year=2028, month=1, title="培训")
    with pytest.raises(DomainError, match="outside the agreement's term"):
        ops.add_plan_item(user("g01_admin"), pair, year=2025, month=12, title="培训")
    with pytest.raises(NotAllowed):
        ops.add_plan_item(user("district_admin"), pair, year=2026, month=4, title="培训")


def test_plan_needs_an_agreement(ctx):
    with pytest.raises(DomainError, match="agreement"):
        ops.add_plan_item(user("g02_admin"), _pair(), year=2026, month=3, title="交流")


# ---------------------------------------------------------------- activities


def test_lead_logs_and_only_the_partner_confirms(ctx, tmp_path):
    pair = _pair()
    activity = ops.log_activity(user("g02_admin"), pair, held_on=today(), form="guidance",
                                content="上门指导建账", participants=12, folder=str(tmp_path))
    assert activity.confirmed_at is None
    assert pair.status(today()) == PairStatus.NEW  # an unconfirmed activity does not count
    with pytest.raises(NotAllowed):
        ops.log_activity(user("g01_admin"), pair, held_on=today(), form="guidance",
                         content="x", participants=1, folder=str(tmp_path))
    for refused in ("g02_admin", "district_admin", "admin"):
        with pytest.raises(NotAllowed):
            ops.confirm_activity(user(refused), activity)
    ops.confirm_activity(user("g01_admin"), activity)
    assert activity.confirmed_by_id == user("g01_admin").id
    assert pair.status(today()) == PairStatus.ACTIVE
    with pytest.raises(Conflict):
        ops.confirm_activity(user("g01_admin"), activity)


def test_activity_in_the_future_or_before_the_pair_is_refused(ctx, tmp_path):
    pair = _pair()
    with pytest.raises(DomainError, match="future"):
        ops.log_activity(user("g02_admin"), pair, held_on=today() + timedelta(days=1),
                         form="exchange", content="交流", participants=3, folder=str(tmp_path))
    with pytest.raises(DomainError, match="before the pair"):
        ops.log_activity(user("g02_admin"), pair, held_on=today() - timedelta(days=1),
                         form="exchange", content="交流", participants=3, folder=str(tmp_path))
    proposed = ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"),
                                partner=org("DEMO-G03"))
    with pytest.raises(Conflict):
        ops.log_activity(user("g02_admin"), proposed, held_on=today(), form="exchange",
                         content="交流", participants=3, folder=str(tmp_path))


def test_pair_lapses_after_three_months_without_a_confirmed_activity(ctx, tmp_path):
    pair = _pair()
    pair.since = today() - timedelta(days=200)
    activity = ops.log_activity(user("g02_admin"), pair, held_on=today() - timedelta(days=120),
                                form="training", content="培训", participants=20,
                                folder=str(tmp_path))
    assert pair.status(today()) == PairStatus.LAPSED  # not confirmed yet
    ops.confirm_activity(user("g01_admin"), activity)
    assert pair.months_without_activity(today()) >= 3
    assert pair.status(today()) == PairStatus.LAPSED
    assert pair.status(today() - timedelta(days=60)) == PairStatus.ACTIVE


def test_photo_is_checked_by_content_and_stripped_of_exif(ctx, tmp_path):
    from PIL import Image

    pair = _pair()
    with pytest.raises(DomainError, match="not a photo") as refused:
        ops.log_activity(user("g02_admin"), pair, held_on=today(), form="exchange",
                         content="交流", participants=3, photo=b"%PDF-1.4 not an image",
                         folder=str(tmp_path))
    assert refused.value.field == "photo"
    with pytest.raises(DomainError, match="not a photo"):  # a GIF is an image, not accepted
        gif = io.BytesIO()
        Image.new("RGB", (4, 4)).save(gif, format="GIF")
        ops.clean_photo(gif.getvalue(), max_bytes=10**6)
    with pytest.raises(DomainError, match="larger"):
        ops.clean_photo(_jpeg_with_gps(), max_bytes=100)
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the fixture carries EXIF and GPS
    activity = ops.log_activity(user("g02_admin"), pair, held_on=today(), form="exchange",
                                content="交流", participants=3, photo=original,
                                folder=str(tmp_path))
    stored = ops.photo_path(str(tmp_path), activity.photo_name)
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (40, 30)
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"PhoneMaker" not in open(stored, "rb").read()


# ---------------------------------------------------------------- supervision


def test_upper_union_notes_and_the_pair_answers(ctx):
    pair = _pair()
    with pytest.raises(NotAllowed):
        ops.add_note(user("g02_admin"), pair, "自己督查自己")
    note = ops.add_note(user("district_admin"), pair, "请补充活动照片")
    assert note.author_org.code == "DEMO-D01"
    with pytest.raises(NotAllowed):
        ops.answer_note(user("city_admin"), note, "已补充")
    ops.answer_note(user("g01_admin"), note, "已补充")
    assert note.answer == "已补充" and note.answered_at is not None


def test_targets_and_leads_below_them(ctx):
    with pytest.raises(NotAllowed):
        ops.set_target(user("g02_admin"), upper=org("DEMO-CITY"), year=2026, level="city",
                       min_links=2)
    ops.set_target(user("city_admin"), upper=org("DEMO-CITY"), year=2026, level="city",
                   min_links=2)
    assert queries.target_for(org("DEMO-G02"), "city", 2026) == 2
    ops.set_target(user("district_admin"), upper=org("DEMO-D01"), year=2026, level="city",
                   min_links=1)  # the nearer union's target wins
    assert queries.target_for(org("DEMO-G02"), "city", 2026) == 1
    below = queries.leads_below_target(org("DEMO-CITY"), 2026)
    assert [b["unit"].code for b in below] == ["DEMO-G02"]
    _pair()
    assert queries.leads_below_target(org("DEMO-CITY"), 2026) == []


def test_every_change_is_audited(ctx, tmp_path):
    pair = _pair()
    _agreement(pair)
    activity = ops.log_activity(user("g02_admin"), pair, held_on=today(), form="exchange",
                                content="交流", participants=3, folder=str(tmp_path))
    ops.confirm_activity(user("g01_admin"), activity)
    ops.add_note(user("district_admin"), pair, "督查")
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"honour.added", "partnering.pair_proposed", "partnering.pair_confirmed",
            "partnering.agreement_saved", "partnering.activity_logged",
            "partnering.activity_confirmed", "partnering.note_added"} <= actions


def test_unrelated_admin_cannot_touch_a_pair(ctx, tmp_path):
    pair = _pair()
    stranger = make_admin("g05_admin", "DEMO-G05")
    with pytest.raises(NotAllowed):
        _agreement_as(stranger, pair)
    with pytest.raises(NotAllowed):
        ops.log_activity(stranger, pair, held_on=today(), form="exchange", content="x",
                         participants=1, folder=str(tmp_path))


def _agreement_as(account, pair):
    return ops.save_agreement(account, pair, goals="g", lead_duties="", partner_duties="",
                              areas=[], term_start=date(2026, 1, 1), term_end=date(2026, 12, 31),
                              signed_on=None, training="")


def test_a_finished_pair_formed_again_keeps_its_log_and_starts_new(ctx, tmp_path):
    pair = _pair()
    pair.since = today() - timedelta(days=400)
    activity = ops.log_activity(user("g02_admin"), pair, held_on=today() - timedelta(days=380),
                                form="training", content="培训", participants=5,
                                folder=str(tmp_path))
    ops.confirm_activity(user("g01_admin"), activity)
    ops.finish_pair(user("district_admin"), pair)
    again = ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G01"))
    assert again.id == pair.id and again.state == "proposed"
    ops.confirm_pair(user("g01_admin"), again)
    assert len(again.activities) == 1  # the old log is kept
    assert again.status(today()) == PairStatus.NEW
    assert again.months_without_activity(today()) == 0
