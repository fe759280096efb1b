"""An anonymous draft lives on its access code's row: one row lock settles a save against
the submission, so no draft outlives the code's use, not even for an instant."""

import json
import threading
from datetime import date

from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.member_surveys.operations import Ballot, save_draft, submit_with_code
from survey_app.member_surveys.queries import find_code
from survey_app.models import AccessCode, Draft, Response
from tests.app.test_migrations import empty_database_url  # noqa: F401,F811 - a fixture
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID


def _ballot(entry) -> Ballot:
    return Ballot(entry.campaign.id, entry.target.id, entry.group_id,
                  entry.questionnaire_version_id, dict(VALID), b"\x02\x02\x01")


def _draft_of(code: str):
    return db.session.scalar(select(AccessCode.draft).where(
        AccessCode.code_hash == code_tools.code_hash(code)))


def test_a_save_after_the_submission_stores_nothing(demo, codes):
    hashed = code_tools.code_hash(codes[0])
    with demo.app_context():
        assert save_draft(hashed, {"keep": "第一次保存"}) is True
        assert _draft_of(codes[0]) == {"keep": "第一次保存"}
        assert find_code(hashed).draft == {"keep": "第一次保存"}
        submit_with_code(hashed, _ballot(find_code(hashed)))
        db.session.expire_all()
        assert _draft_of(codes[0]) is None  # cleared by the statement that used the code
        # the other tab's save arrives now: the code is used, nothing is written
        assert save_draft(hashed, {"keep": "迟到的保存"}) is False
        db.session.expire_all()
        assert _draft_of(codes[0]) is None
        assert find_code(hashed).has_draft is False
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


def test_saves_racing_the_submission_leave_no_draft_on_a_used_code(demo, codes):
    """Eight saves and the submission of one code at once, for four codes: whatever the
    order, a used code carries no draft."""
    for code in codes[:4]:
        hashed = code_tools.code_hash(code)
        with demo.app_context():
            ballot = _ballot(find_code(hashed))
        barrier = threading.Barrier(9)
        errors: list[BaseException] = []

        def act(what, i=0, hashed=hashed, ballot=ballot, barrier=barrier, errors=errors):
            try:
                with demo.app_context():
                    barrier.wait()
                    if what == "save":
                        save_draft(hashed, {"keep": f"标签页{i}"})
                    else:
                        submit_with_code(hashed, ballot)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=act, args=("save", i)) for i in range(8)]
        threads.append(threading.Thread(target=act, args=("submit",)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        with demo.app_context():
            assert _draft_of(code) is None
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 4
        assert db.session.scalar(select(func.count()).select_from(AccessCode).where(
            AccessCode.used.is_(True), AccessCode.draft.isnot(None))) == 0


def test_a_save_whose_look_up_came_before_the_submission_keeps_nothing(demo, app, codes,
                                                                     monkeypatch):
    """The other tab's request read the code as unused, then the submission ran, then the
    tab's save: the save writes nothing and the tab is sent to the code's page (409)."""
    from survey_app.member_surveys import views

    first, second = app.test_client(), app.test_client()
    token = csrf_token_from(second.get(f"/s/{codes[1]}").get_data(as_text=True))
    page = first.get(f"/s/{codes[1]}").get_data(as_text=True)
    with demo.app_context():
        stale = find_code(code_tools.code_hash(codes[1]))  # read before the submission
    assert first.post(f"/s/{codes[1]}", data={
        "csrf_token": csrf_token_from(page), "action": "submit", **VALID}).status_code == 302
    monkeypatch.setattr(views, "find_code", lambda hashed: stale)
    for action in ("save", "submit"):  # an invalid submit saves a draft too
        late = second.post(f"/s/{codes[1]}", data={"csrf_token": token, "action": action,
                                                   "keep": "另一个标签页"})
        assert late.status_code == 302 and "saved" not in late.headers["Location"]
    monkeypatch.undo()
    assert second.get(late.headers["Location"]).status_code == 409
    with demo.app_context():
        assert _draft_of(codes[1]) is None


def test_named_drafts_keep_their_table_and_anonymous_ones_have_no_row_of_their_own(app):
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("drafts")}
        assert "code_hash" not in columns and "assignment_id" in columns
        assert "draft" in {c["name"] for c in inspect(db.engine).get_columns("access_codes")}


def test_migration_moves_anonymous_drafts_onto_their_codes(empty_database_url):  # noqa: F811
    """Drafts of unused codes move onto the code's row; a draft left under a used code is
    dropped; named drafts stay in ``drafts``."""
    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision="9d3b5efba579")  # the revision before drafts moved onto codes
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO organisations (id, code, name, kind, path, depth, members) "
                "VALUES (1, 'U', 'U', 'grassroots_union', '/1/', 0, 10)"))
            conn.execute(text(
                "INSERT INTO questionnaire_versions (id, key, version, content_hash, title_zh,"
                " title_en, definition, published_at)"
                " VALUES (1, 'k', '1', 'h', 't', 't', '{}', :now)"),
                {"now": date(2026, 1, 1)})
            conn.execute(text(
                "INSERT INTO campaigns (id, code, name, kind, cycle, status, min_group_size,"
                " allow_open_link, target_spec, created_at) VALUES (1, 'C', 'C', 'member',"
                " 'annual', 'open', 5, :no, '{}', :now)"), {"now": date(2026, 1, 1), "no": False})
            conn.execute(text(
                "INSERT INTO rater_groups (id, campaign_id, key, name, weight,"
                " questionnaire_version_id, anonymous, rule, settings)"
                " VALUES (1, 1, 'm', 'm', 1, 1, :yes, 'members', '{}')"), {"yes": True})
            for i, (hashed, used) in enumerate([("a" * 64, False), ("b" * 64, True), ("c" * 64, False)]):
                conn.execute(text(
                    "INSERT INTO access_codes (id, campaign_id, rater_group_id, target_id,"
                    " code_hash, used, issued_on) VALUES (:i, 1, 1, 1, :h, :u, :day)"),
                    {"i": i + 1, "h": hashed, "u": used, "day": date(2026, 1, 1)})
            conn.execute(text(
                "INSERT INTO drafts (code_hash, answers, updated_on) VALUES"
                " (:a, :draft_a, :day), (:b, :draft_b, :day)"),
                {"a": "a" * 64, "b": "b" * 64, "draft_a": '{"keep": "未用"}',
                 "draft_b": '{"keep": "已用"}', "day": date(2026, 1, 2)})
        upgrade()
        with db.engine.connect() as conn:
            drafts = dict(conn.execute(text(
                "SELECT code_hash, draft FROM access_codes ORDER BY id")).all())
            left = conn.execute(text("SELECT count(*) FROM drafts")).scalar()
        db.engine.dispose()
    drafts = {k: json.loads(v) if isinstance(v, str) else v for k, v in drafts.items()}
    assert drafts == {"a" * 64: {"keep": "未用"}, "b" * 64: None, "c" * 64: None}
    assert left == 0
