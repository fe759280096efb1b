"""The member's path: open a code, answer, keep answers on errors, resume, submit once."""

import json
import re
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select, update

from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.models import AccessCode, AuditEntry, Campaign, Organisation, Response
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID


def post(client, code, answers, action="submit", token=None):
    if token is None:
        token = csrf_token_from(client.get(f"/s/{code}").get_data(as_text=True))
    data = {"csrf_token": token, "action": action, **answers}
    return client.post(f"/s/{code}", data=data)


def count_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def test_form_fields_are_named_by_question_id(demo, client, codes):
    html = client.get(f"/s/{codes[0]}").get_data(as_text=True)
    for name in ("q1", "q2", "m1", "m2", "nps", "keep"):
        assert f'name="{name}"' in html
    assert "您对工会的法律援助满意吗？" in html
    rule = re.search(r'id="q-q2"[^>]*data-relevant=\'([^\']+)\'', html).group(1)
    assert json.loads(rule) == {"op": "==", "left": {"field": "q1"}, "right": {"value": "dissatisfied"}}


def test_submit_stores_one_anonymous_response(demo, client, codes):
    with demo.app_context():
        code_row = select(AccessCode.__table__).where(
            AccessCode.code_hash == code_tools.code_hash(codes[0]))
        before = dict(db.session.execute(code_row).one()._mapping)
        others = db.session.execute(select(AccessCode.__table__).where(
            AccessCode.code_hash != before["code_hash"])).all()
    response = post(client, codes[0], VALID)
    assert response.status_code == 302 and response.headers["Location"] == "/thanks"
    thanks = client.get("/thanks").get_data(as_text=True)
    assert "感谢" in thanks and codes[0] not in thanks and code_tools.display(codes[0]) not in thanks
    assert 'href="/u/DEMO-G01/you-said-we-did"' in thanks  # what the union did about it
    assert "/you-said-we-did" not in client.get("/thanks").get_data(as_text=True)  # once
    with demo.app_context():
        stored = db.session.scalars(select(Response)).all()
        assert len(stored) == 1
        r = stored[0]
        assert uuid.UUID(r.id).version == 4
        assert isinstance(r.submitted_on, date)
        assert r.answers == {"q1": "satisfied", "m1": "satisfied", "m2": "basic", "nps": 9, "keep": "读书角"}
        assert r.item_values == bytes([3, 3, 2])  # q1, m1, m2 scale values
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        assert r.target_id == g01.id
        # consuming the code sets ``used`` and nothing else, on this row only
        after = dict(db.session.execute(code_row).one()._mapping)
        assert after == {**before, "used": True} and before["used"] is False
        assert db.session.execute(select(AccessCode.__table__).where(
            AccessCode.code_hash != before["code_hash"])).all() == others


def test_second_submission_is_409_already_used(demo, client, codes, app):
    assert post(client, codes[0], VALID).status_code == 302
    other = app.test_client()
    again = other.get(f"/s/{codes[0]}")
    assert again.status_code == 409
    assert "已经使用" in again.get_data(as_text=True)
    assert count_responses(demo) == 1


def test_double_submit_from_the_same_browser_is_idempotent(demo, client, codes):
    token = csrf_token_from(client.get(f"/s/{codes[1]}").get_data(as_text=True))
    first = post(client, codes[1], VALID, token=token)
    second = post(client, codes[1], VALID, token=token)
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"] == "/thanks"
    assert count_responses(demo) == 1


def test_missing_required_answer_keeps_the_other_answers(demo, client, codes):
    answers = dict(VALID)
    del answers["m2"]
    response = post(client, codes[0], answers)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请回答此题" in html
    assert re.search(r'value="satisfied"[^>]*checked|checked[^>]*value="satisfied"', html)
    assert "读书角" in html  # the free text is still there
    assert count_responses(demo) == 0
    with demo.app_context():  # and the server kept a draft, on the code's row
        drafts = db.session.scalars(select(AccessCode.draft).where(AccessCode.draft.isnot(None)))
        assert [d["keep"] for d in drafts] == ["读书角"]


def test_errors_in_english_after_switching_language(demo, client, codes):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": token})
    answers = dict(VALID)
    del answers["q1"]
    html = post(client, codes[0], answers).get_data(as_text=True)
    assert "Please answer this question." in html
    assert "Are you satisfied with legal aid?" in html


def test_conditional_question_is_required_only_when_relevant(demo, client, codes):
    answers = dict(VALID, q1="dissatisfied")
    response = post(client, codes[0], answers)
    assert response.status_code == 422  # q2 now relevant and required
    answers["q2"] = "办事太慢"
    assert post(client, codes[0], answers).status_code == 302
    # An answer to a question that is not relevant is dropped, not stored.
    assert post(client, codes[1], dict(VALID, q2="不该保存")).status_code == 302
    with demo.app_context():
        stored = sorted((r.answers for r in db.session.scalars(select(Response))), key=lambda a: a["q1"])
    assert stored[0]["q2"] == "办事太慢"
    assert "q2" not in stored[1]


def test_save_and_resume_then_draft_is_deleted(demo, client, codes, app):
    saved = post(client, codes[2], {"q1": "basic", "keep": "健身房"}, action="save")
    assert saved.status_code == 302
    later = app.test_client()  # another visit, another browser session
    html = later.get(f"/s/{codes[2]}").get_data(as_text=True)
    assert "健身房" in html
    assert re.search(r'value="basic"[^>]*checked|checked[^>]*value="basic"', html)
    assert post(later, codes[2], VALID).status_code == 302
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.draft.isnot(None))) == 0


def test_closing_the_campaign_clears_drafts_left_on_used_codes(demo, client, codes):
    """No draft can outlive its code's submission (tests/surveys/test_drafts_on_codes.py);
    closing still clears any found on a used code, counts them in the audit entry, and
    keeps the drafts of unused codes."""
    from survey_app.campaigns.operations import transition

    assert post(client, codes[0], VALID).status_code == 302
    assert post(client, codes[1], {"q1": "basic"}, action="save").status_code == 302
    with demo.app_context():
        # a broken rule's outcome, written directly: a draft on the used code
        db.session.execute(update(AccessCode).where(
            AccessCode.code_hash == code_tools.code_hash(codes[0])).values(draft={"q1": "basic"}))
        db.session.commit()
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-MEMBER"))
        transition(campaign, "closed")
        left = db.session.scalars(select(AccessCode.code_hash)
                                  .where(AccessCode.draft.isnot(None))).all()
        assert left == [code_tools.code_hash(codes[1])]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.close"))
        assert entry.detail["drafts_purged"] == 1


def test_unknown_and_malformed_codes_are_404(demo, client, codes):
    assert client.get("/s/ABCDEFGHJKMNPQ").status_code == 404
    assert client.get("/s/short").status_code == 404
    assert client.get("/s/" + "0" * 14).status_code == 404
    assert "参评码无效" in client.get("/s/short").get_data(as_text=True)


def test_codes_are_typed_leniently(demo, client, codes):
    grouped = code_tools.display(codes[0]).lower()
    assert client.get(f"/s/{grouped}").status_code == 200


def _set_campaign(app, campaign_id, **values):
    with app.app_context():
        c = db.session.get(Campaign, campaign_id)
        for k, v in values.items():
            setattr(c, k, v)
        db.session.commit()


def test_campaign_not_open_yet_and_closed_pages(demo, client, codes, campaign):
    _set_campaign(demo, campaign, status="draft")
    page = client.get(f"/s/{codes[0]}")
    assert page.status_code == 403 and "尚未开始" in page.get_data(as_text=True)
    _set_campaign(demo, campaign, status="open", opens_on=date.today() + timedelta(days=3))
    assert client.get(f"/s/{codes[0]}").status_code == 403
    _set_campaign(demo, campaign, status="closed", opens_on=date.today() - timedelta(days=3))
    page = client.get(f"/s/{codes[0]}")
    assert page.status_code == 410 and "已经结束" in page.get_data(as_text=True)


def test_closing_between_page_and_submit_refuses_the_submission(demo, client, codes, campaign):
    token = csrf_token_from(client.get(f"/s/{codes[0]}").get_data(as_text=True))
    _set_campaign(demo, campaign, status="closed")
    assert post(client, codes[0], VALID, token=token).status_code == 410
    assert count_responses(demo) == 0


def test_forged_post_without_csrf_is_refused(demo, client, codes):
    response = client.post(f"/s/{codes[0]}", data={"action": "submit", **VALID})
    assert response.status_code == 400
    assert count_responses(demo) == 0


def test_forged_values_are_errors_not_500(demo, client, codes):
    forged = dict(VALID, q1="<script>alert(1)</script>", nps="99999999999999999999", m1="na")
    response = post(client, codes[0], forged)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert count_responses(demo) == 0


def test_blank_form_shell_serves_the_page_a_full_render_gives(demo, client, codes, app, auth):
    """A blank form comes from a page shell, with the CSRF token, path and the campaign's
    and unit's names put in per request, escaped. The page must be the one a full render
    gives; the shell must hold none of those values; and a form with answers (a draft)
    must never come from it."""
    import survey_app.member_surveys.views as surveys
    from survey_app.member_surveys.queries import campaign_questionnaire, find_code

    awkward = """工会 <b>&"'</b>"""
    with demo.app_context():
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
        g01.name = awkward
        db.session.get(Campaign, db.session.scalar(select(AccessCode.campaign_id))).name = (
            "评家 & <i>2026</i>")
        db.session.commit()

    def normalised(html, code):
        # CSRF tokens (itsdangerous: three dot-separated parts) differ per session
        return re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', 'value="TOKEN"', html).replace(
            code, "<code>")

    def full_render(code):
        with app.test_request_context(f"/s/{code}"):
            entry = find_code(code_tools.code_hash(code))
            return surveys._form_page_html(campaign_questionnaire(entry), None, entry, {})

    surveys._SHELLS.clear()
    first = client.get(f"/s/{codes[0]}").get_data(as_text=True)
    assert len(surveys._SHELLS) == 1
    second = app.test_client().get(f"/s/{codes[1]}").get_data(as_text=True)
    assert normalised(first, codes[0]) == normalised(second, codes[1])
    assert normalised(second, codes[1]) == normalised(full_render(codes[1]), codes[1])
    assert "工会 &lt;b&gt;&amp;&#34;&#39;&lt;/b&gt;" in second and awkward not in second
    assert f'name="next" value="/s/{codes[1]}"' in second
    shell = "".join(next(iter(surveys._SHELLS.values())))
    assert codes[0] not in shell and "工会 &lt;b&gt;" not in shell and "评家 &amp;" not in shell
    assert "csrf_token" in shell and not re.search(r'value="[\w-]+\.[\w-]+\.[\w-]+"', shell)
    # the unit's 你说我改 page is linked, and its code is not in the shell either
    assert 'href="/u/DEMO-G01/you-said-we-did"' in second and "DEMO-G01" not in shell

    # pages with another per-request part are rendered in full: another language asked
    # for in the query, a signed-in staff member (whose menu shows)
    english = client.get(f"/s/{codes[1]}?lang=en").get_data(as_text=True)
    assert "Are you satisfied with legal aid?" in english and len(surveys._SHELLS) == 1
    auth.login("city_admin", "demo-city-2026")
    staff = client.get(f"/s/{codes[1]}").get_data(as_text=True)
    assert "city_admin" in staff and "city_admin" not in second
    post(client, codes[0], {"keep": "草稿内容", "q1": "basic"}, action="save")
    draft = client.get(f"/s/{codes[0]}").get_data(as_text=True)
    assert "草稿内容" in draft
