"""The showcase (展示): a pair's highlight is written by either side and published only once
the other side confirms it; an edit takes it back; photos come only from the pair's confirmed
activities and are served to the federation's accounts through an authorised route."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from survey_app.dates import today
from survey_app.errors import Conflict, DomainError, NotAllowed
from survey_app.extensions import db
from survey_app.models.partnering import Highlight, Pair
from survey_app.partnering import operations as ops
from survey_app.partnering import queries
from tests.conftest import csrf_token_from
from tests.partnering.conftest import make_admin, org, user


def _login(client, username, password="test-password-2026"):
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": token})
    assert response.status_code == 302


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def pair_world(world, tmp_path):
    """G02 → G01 confirmed, with two confirmed activities with photos, one unconfirmed with
    a photo and one confirmed without; ids in ``world.ids``."""
    world.config["UPLOAD_FOLDER"] = str(tmp_path)
    with world.app_context():
        pair = ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"), partner=org("DEMO-G01"))
        ops.confirm_pair(user("g01_admin"), pair)
        acts = [ops.log_activity(user("g02_admin"), pair, held_on=today(), form="exchange",
                                 content=f"交流{n}", participants=5,
                                 photo=_photo() if n != 3 else None, folder=str(tmp_path))
                for n in range(4)]
        for n in (0, 1, 3):
            ops.confirm_activity(user("g01_admin"), acts[n])
        db.session.commit()
        world.ids = {"pair": pair.id, "photos": [acts[0].id, acts[1].id],
                     "unconfirmed": acts[2].id, "no_photo": acts[3].id}
    return world


def test_a_highlight_is_published_only_when_the_other_side_confirms(pair_world):
    ids = pair_world.ids
    with pair_world.app_context():
        pair = db.session.get(Pair, ids["pair"])
        h = ops.save_highlight(user("g02_admin"), pair, title="结对成果", story="故事",
                               photo_activity_ids=ids["photos"])
        assert not h.published and h.author_side == "lead"
        assert queries.showcase(org("DEMO-CITY")) == []
        with pytest.raises(NotAllowed):  # the writing side cannot publish alone
            ops.confirm_highlight(user("g02_admin"), h)
        with pytest.raises(NotAllowed):  # nor the upper union
            ops.confirm_highlight(user("city_admin"), h)
        ops.confirm_highlight(user("g01_admin"), h)
        assert h.published and queries.showcase(org("DEMO-CITY")) == [h]
        with pytest.raises(Conflict):
            ops.confirm_highlight(user("g01_admin"), h)
        # the partner edits it: off the showcase until the lead confirms
        ops.save_highlight(user("g01_admin"), pair, title="结对成果（修订）", story="",
                           photo_activity_ids=[ids["photos"][1]], highlight=h)
        assert not h.published and h.author_side == "partner"
        assert queries.showcase(org("DEMO-CITY")) == []
        ops.confirm_highlight(user("g02_admin"), h)
        assert [a.id for a in h.photo_activities()] == [ids["photos"][1]]


@pytest.mark.parametrize("photos", ["unconfirmed", "no_photo", "too_many"])
def test_photos_come_from_confirmed_activities_only(pair_world, photos):
    ids = pair_world.ids
    chosen = {"unconfirmed": [ids["unconfirmed"]], "no_photo": [ids["no_photo"]],
              "too_many": [*ids["photos"], ids["unconfirmed"], ids["no_photo"]]}[photos]
    with pair_world.app_context():
        pair = db.session.get(Pair, ids["pair"])
        with pytest.raises(DomainError) as raised:
            ops.save_highlight(user("g02_admin"), pair, title="t", story="",
                               photo_activity_ids=chosen)
        assert raised.value.field == "photos"


def test_only_the_two_sides_write_and_a_proposed_pair_cannot(pair_world):
    with pair_world.app_context():
        pair = db.session.get(Pair, pair_world.ids["pair"])
        for account in ("city_admin", "admin", "analyst"):
            with pytest.raises(NotAllowed):
                ops.save_highlight(user(account), pair, title="t", story="",
                                   photo_activity_ids=[])
        make_admin("g03_admin", "DEMO-G03")
        proposed = ops.propose_pair(user("g02_admin"), lead=org("DEMO-G02"),
                                    partner=org("DEMO-G03"))
        with pytest.raises(Conflict):
            ops.save_highlight(user("g02_admin"), proposed, title="t", story="",
                               photo_activity_ids=[])


def test_pages_write_confirm_and_show_with_photos_for_the_tree(pair_world):
    ids = pair_world.ids
    lead = pair_world.test_client()
    _login(lead, "g02_admin")
    path = f"/partnering/pairs/{ids['pair']}/highlights/new"
    token = csrf_token_from(lead.get(path).get_data(as_text=True))
    response = lead.post(path, data={"csrf_token": token, "title": "", "story": "没有标题",
                                     "photos": [str(ids["unconfirmed"])]})
    assert response.status_code == 422
    assert "没有标题" in response.get_data(as_text=True)
    response = lead.post(path, data={"csrf_token": token, "title": "联手办书屋",
                                     "story": "共建职工书屋",
                                     "photos": [str(i) for i in ids["photos"]]})
    assert response.status_code == 302
    with pair_world.app_context():
        highlight = db.session.scalar(select(Highlight))
        hid = highlight.id
    # not yet on the showcase; its photo is not served to the federation at large
    evaluator = pair_world.test_client()
    _login(evaluator, "evaluator_d01", "demo-eval-2026")
    assert "联手办书屋" not in evaluator.get("/partnering/showcase").get_data(as_text=True)
    photo = f"/partnering/highlights/{hid}/photos/{ids['photos'][0]}"
    assert evaluator.get(photo).status_code == 403
    partner = pair_world.test_client()
    _login(partner, "g01_admin", "demo-g01-2026")
    page = partner.get(f"/partnering/pairs/{ids['pair']}").get_data(as_text=True)
    assert "确认并发布" in page
    token = csrf_token_from(page)
    assert partner.post(f"/partnering/highlights/{hid}/confirm",
                        data={"csrf_token": token}).status_code == 302
    body = evaluator.get("/partnering/showcase").get_data(as_text=True)
    assert "联手办书屋" in body and photo in body
    response = evaluator.get(photo)
    assert response.status_code == 200 and response.data[:2] == b"\xff\xd8"
    # an activity photo the highlight does not show stays behind the pair's own route
    other = f"/partnering/highlights/{hid}/photos/{ids['unconfirmed']}"
    assert evaluator.get(other).status_code == 404
    assert evaluator.get(f"/partnering/activities/{ids['photos'][0]}/photo").status_code == 403


def test_showcase_of_another_federation_is_refused(pair_world):
    from survey_app.models import Organisation, Role, User
    from survey_app.organisations.operations import recompute_paths

    with pair_world.app_context():
        pair = db.session.get(Pair, pair_world.ids["pair"])
        h = ops.save_highlight(user("g02_admin"), pair, title="结对成果", story="",
                               photo_activity_ids=pair_world.ids["photos"])
        ops.confirm_highlight(user("g01_admin"), h)
        other = Organisation(code="ELSE-FED", name="另一总工会", kind="federation")
        db.session.add(other)
        db.session.flush()
        recompute_paths(db.session.scalars(select(Organisation)).all())
        account = User(username="else_admin", role=Role.UNION_ADMIN.value, organisation=other)
        account.set_password("test-password-2026")
        db.session.add(account)
        db.session.commit()
        hid, photo = h.id, pair_world.ids["photos"][0]
    client = pair_world.test_client()
    _login(client, "else_admin")
    assert "结对成果" not in client.get("/partnering/showcase?org=DEMO-CITY").get_data(
        as_text=True)
    assert client.get(f"/partnering/highlights/{hid}/photos/{photo}").status_code == 403
    assert client.get(f"/partnering/highlights/{hid}/edit").status_code == 403
