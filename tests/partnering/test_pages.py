"""The partnering pages (Chinese, the default language): refusals keep what was typed, the dashboard flags lapsed pairs, the
match proposals can be accepted, and lists stay within the user's subtree."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models.partnering import Pair
from survey_app.partnering import operations as ops
from tests.conftest import csrf_token_from
from tests.partnering.conftest import org, user


def _login(client, username, password):
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": token})
    assert response.status_code == 302


def _token(client, path="/partnering/"):
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _confirmed_pair(world):
    with world.app_context():
        pair = ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G01"))
        ops.confirm_pair(user("g01_admin"), pair)
        db.session.commit()
        return pair.id


def test_self_pair_is_refused_and_the_form_keeps_the_codes(world):
    client = world.test_client()
    _login(client, "g02_admin", "test-password-2026")
    response = client.post("/partnering/pairs/new", data={
        "csrf_token": _token(client, "/partnering/pairs/new"),
        "lead_code": "DEMO-G02", "partner_code": "DEMO-G02"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "工会不能与自身结对。" in body
    assert 'value="DEMO-G02"' in body


def test_activity_with_a_file_that_is_not_a_photo_is_refused_keeping_the_text(world):
    pair_id = _confirmed_pair(world)
    client = world.test_client()
    _login(client, "g02_admin", "test-password-2026")
    path = f"/partnering/pairs/{pair_id}/activities/new"
    response = client.post(path, data={
        "csrf_token": _token(client, path), "held_on": today().isoformat(),
        "form": "guidance", "content": "上门指导建立台账", "participants": "9",
        "photo": (io.BytesIO(b"MZ not a picture"), "photo.jpg")},
        content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不是照片" in body and "上门指导建立台账" in body
    future = (today() + timedelta(days=3)).isoformat()
    response = client.post(path, data={
        "csrf_token": _token(client, path), "held_on": future, "form": "guidance",
        "content": "未来的活动", "participants": "9"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "晚于今天" in response.get_data(as_text=True)


def test_partner_confirms_on_the_pair_page_and_the_lead_cannot(world, tmp_path):
    pair_id = _confirmed_pair(world)
    with world.app_context():
        activity = ops.log_activity(user("g02_admin"), db.session.get(Pair, pair_id),
                                    held_on=today(), form="exchange", content="交流",
                                    participants=4, folder=str(tmp_path))
        db.session.commit()
        activity_id = activity.id
    lead = world.test_client()
    _login(lead, "g02_admin", "test-password-2026")
    assert "确认此活动" not in lead.get(f"/partnering/pairs/{pair_id}").get_data(
        as_text=True)
    response = lead.post(f"/partnering/activities/{activity_id}/confirm",
                         data={"csrf_token": _token(lead)})
    assert response.status_code == 403
    partner = world.test_client()
    _login(partner, "g01_admin", "demo-g01-2026")
    response = partner.post(f"/partnering/activities/{activity_id}/confirm",
                            data={"csrf_token": _token(partner)})
    assert response.status_code == 302
    assert "联手对象已于" in partner.get(
        f"/partnering/pairs/{pair_id}").get_data(as_text=True)


def test_supervision_dashboard_flags_the_lapsed_pair_within_the_subtree(world):
    pair_id = _confirmed_pair(world)
    with world.app_context():
        db.session.get(Pair, pair_id).since = today() - timedelta(days=150)
        db.session.commit()
    client = world.test_client()
    _login(client, "district_admin", "demo-district-2026")
    body = client.get("/partnering/supervision").get_data(as_text=True)
    assert 'class="lapsed"' in body and "flag-lapsed" in body
    other = world.test_client()
    with world.app_context():
        from tests.partnering.conftest import make_admin

        make_admin("d02_admin", "DEMO-D02")
        db.session.commit()
    _login(other, "d02_admin", "test-password-2026")
    body = other.get("/partnering/supervision").get_data(as_text=True)
    assert "flag-lapsed" not in body and f"/partnering/pairs/{pair_id}" not in body
    assert other.get(f"/partnering/pairs/{pair_id}").status_code == 403


def test_city_admin_sets_a_target_and_accepts_a_match_proposal(world):
    client = world.test_client()
    _login(client, "city_admin", "demo-city-2026")
    response = client.post("/partnering/targets", data={
        "csrf_token": _token(client, "/partnering/targets"), "level": "city", "min_links": "2"})
    assert response.status_code == 302
    page = client.get("/partnering/proposals").get_data(as_text=True)
    assert "采纳建议" in page and "地域相同" in page
    response = client.post("/partnering/proposals/accept", data={
        "csrf_token": _token(client, "/partnering/proposals"),
        "lead_code": "DEMO-G02", "partner_code": "DEMO-G03"})
    assert response.status_code == 302
    with world.app_context():
        pair = db.session.scalar(select(Pair))
        assert (pair.lead.code, pair.partner.code, pair.state) == ("DEMO-G02", "DEMO-G03",
                                                                  "proposed")
        assert not pair.lead_confirmed and not pair.partner_confirmed


def test_every_page_renders_for_its_roles(world):
    pair_id = _confirmed_pair(world)
    client = world.test_client()
    _login(client, "g02_admin", "test-password-2026")
    for path in ("/partnering/", "/partnering/honours", "/partnering/honours/new",
                 "/partnering/supervision", "/partnering/pairs/new",
                 f"/partnering/pairs/{pair_id}", f"/partnering/pairs/{pair_id}/agreement",
                 f"/partnering/pairs/{pair_id}/activities/new"):
        assert client.get(path).status_code == 200, path
    analyst = world.test_client()
    _login(analyst, "analyst", "demo-analyst-2026")
    assert analyst.get(f"/partnering/pairs/{pair_id}").status_code == 200
    assert analyst.get("/partnering/supervision").status_code == 200


def test_supervision_ledger_download_holds_only_the_subtree(world):
    import csv

    _confirmed_pair(world)
    client = world.test_client()
    _login(client, "district_admin", "demo-district-2026")
    response = client.get("/partnering/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [(r["lead_code"], r["partner_code"]) for r in rows] == [("DEMO-G02", "DEMO-G01")]
    assert client.get("/partnering/export.xlsx").data[:2] == b"PK"
    assert client.get("/partnering/export.pdf").status_code == 404
    with world.app_context():
        from tests.partnering.conftest import make_admin

        make_admin("d02_admin", "DEMO-D02")
        db.session.commit()
    other = world.test_client()
    _login(other, "d02_admin", "test-password-2026")
    body = other.get("/partnering/export.csv").get_data().decode("utf-8-sig")
    assert "DEMO-G01" not in body


def test_city_admin_declines_a_match_proposal_and_it_is_not_proposed_again(world):
    import pytest

    from survey_app.errors import NotAllowed
    from survey_app.models import AuditEntry, Organisation
    from survey_app.partnering import queries

    client = world.test_client()
    _login(client, "city_admin", "demo-city-2026")
    client.post("/partnering/targets", data={
        "csrf_token": _token(client, "/partnering/targets"), "level": "city", "min_links": "2"})
    with world.app_context():
        frame, _ = queries.proposals(org("DEMO-CITY"), today().year)
        lead, partner = frame.iloc[0]["lead_code"], frame.iloc[0]["partner_code"]
    response = client.post("/partnering/proposals/decline", data={
        "csrf_token": _token(client, "/partnering/proposals"),
        "lead_code": lead, "partner_code": partner})
    assert response.status_code == 302
    with world.app_context():
        frame, _ = queries.proposals(org("DEMO-CITY"), today().year)
        assert not ((frame["lead_code"] == lead) & (frame["partner_code"] == partner)).any()
        assert db.session.scalar(select(Pair)).state == "declined"
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "partnering.proposal_declined")) is not None
        # a district cannot decline for a unit outside its subtree
        d01 = org("DEMO-D01")
        outside = next(o for o in db.session.scalars(select(Organisation).where(
            Organisation.kind == "grassroots_union")) if not o.is_within(d01))
        with pytest.raises(NotAllowed):
            ops.decline_proposal(user("district_admin"), upper=d01, lead=org("DEMO-G02"),
                                 partner=outside)
    # the pair can still be proposed by hand: the declined record is formed again
    response = client.post("/partnering/proposals/accept", data={
        "csrf_token": _token(client, "/partnering/proposals"),
        "lead_code": lead, "partner_code": partner})
    assert response.status_code == 302
    with world.app_context():
        assert db.session.scalar(select(Pair)).state == "proposed"
