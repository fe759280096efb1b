"""The organisation import over the API: only a platform token with ``organisations:write``
may call it; it takes the web page's sheet through the same code (same checks, all or
nothing), and a refused sheet is a 422 problem document listing every problem by row and
column in English and Chinese, with nothing changed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import AuditEntry, Organisation, Role, User
from tests.api.conftest import bearer, make_token

URL = "/api/v1/organisations/import"
GOOD = ("code,name,kind,parent_code,members\n"
        "API-G01,接口新增基层工会,grassroots_union,DEMO-D01,35\n"
        "DEMO-G02,改名的基层工会,grassroots_union,DEMO-D01,40\n")


def _send(client, secret: str | None, text: str = GOOD, filename: str = "orgs.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), filename)}
    headers = bearer(secret) if secret else {}
    return client.post(URL, data=data, headers=headers, content_type="multipart/form-data")


def _tree(app) -> dict[str, tuple]:
    with app.app_context():
        return {o.code: (o.name, o.parent_id, o.members, o.path)
                for o in db.session.scalars(select(Organisation))}


@pytest.fixture
def secrets(demo):
    with demo.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        city_admin = db.session.scalar(select(User).where(User.username == "city_admin"))
        return {
            "platform": make_token("DEMO-CITY", "organisations:write", platform_admin=True,
                                   user=admin),
            "platform_cli": make_token("DEMO-CITY", "organisations:write",
                                       platform_admin=True),
            "platform_read": make_token("DEMO-CITY", "organisations:read",
                                        platform_admin=True, user=admin),
            "union_write": make_token("DEMO-CITY", "organisations:write", user=city_admin),
            "made_by_admin": make_token("DEMO-CITY", "organisations:write", user=admin),
            "platform_expired": make_token("DEMO-CITY", "organisations:write",
                                           platform_admin=True, expired=True),
        }


@pytest.mark.parametrize("which", ["platform", "platform_cli"])
def test_a_platform_token_imports_the_sheet(demo, secrets, which):
    client = demo.test_client()
    response = _send(client, secrets[which])
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 1, "updated": 1,
                                   "codes": ["API-G01", "DEMO-G02"]}
    tree = _tree(demo)
    assert tree["API-G01"][:1] == ("接口新增基层工会",) and tree["API-G01"][2] == 35
    assert tree["DEMO-G02"][0] == "改名的基层工会"
    with demo.app_context():
        district = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-D01"))
        new = db.session.scalar(select(Organisation).where(Organisation.code == "API-G01"))
        assert new.parent_id == district.id and new.path.startswith(district.path)
        actions = db.session.scalars(select(AuditEntry.action)).all()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api.orgs.import"))
    assert "orgs.import" in actions and entry.detail["filename"] == "orgs.csv"


@pytest.mark.parametrize("which", ["platform_read", "union_write", "made_by_admin"])
def test_every_other_token_is_refused_with_a_problem(demo, secrets, which):
    before = _tree(demo)
    response = _send(demo.test_client(), secrets[which])
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title_zh"] == "无权访问"
    assert _tree(demo) == before


def test_no_token_or_an_expired_one_is_401(demo, secrets):
    client = demo.test_client()
    assert _send(client, None).status_code == 401
    assert _send(client, secrets["platform_expired"]).status_code == 401


def test_a_demoted_platform_admin_s_token_loses_the_import(demo, secrets):
    with demo.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        admin.role = Role.UNION_ADMIN.value
        admin.organisation_id = db.session.scalar(
            select(Organisation.id).where(Organisation.code == "DEMO-CITY"))
        db.session.commit()
    assert _send(demo.test_client(), secrets["platform"]).status_code == 403


def test_a_union_admin_may_not_make_a_platform_token(demo):
    from survey_app.api.operations import create_token
    from survey_app.errors import NotAllowed

    with demo.app_context():
        city_admin = db.session.scalar(select(User).where(User.username == "city_admin"))
        with pytest.raises(NotAllowed):
            create_token(city_admin.organisation, ["organisations:write"], name="x", days=1,
                         user=city_admin, platform_admin=True)


BAD = {
    "malformed row": ("code,name,kind,parent_code,members\n"
                      "API-G01,好,grassroots_union,DEMO-D01,many\n", 2, "members"),
    "unknown parent": ("code,name,kind,parent_code,members\n"
                       "API-G01,好,grassroots_union,NOPE-X,1\n", 2, "parent_code"),
    "duplicate code": ("code,name,kind,parent_code,members\n"
                       "API-G01,好,grassroots_union,DEMO-D01,1\n"
                       "API-G01,又好,grassroots_union,DEMO-D01,1\n", 3, "code"),
    "missing column": ("code,name,kind\nAPI-G01,好,grassroots\n", 1, "parent_code"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_sheet_is_a_bilingual_422_and_changes_nothing(demo, secrets, case):
    text, row, column = BAD[case]
    before = _tree(demo)
    with demo.app_context():
        audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    # a good row before the bad one is not imported either: all or nothing
    response = _send(demo.test_client(), secrets["platform"], text)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["detail_zh"].startswith("表格有") and "nothing was imported" in body["detail"]
    problem = next(e for e in body["errors"] if e["column"] == column)
    assert problem["row"] == row
    assert problem["message"] != problem["message_zh"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["message_zh"])
    assert all(ch < "\u4e00" for ch in problem["message"].replace(
        "好", "").replace("又", ""))
    assert _tree(demo) == before
    with demo.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before


def test_an_unknown_parent_is_named_in_both_languages(demo, secrets):
    response = _send(demo.test_client(), secrets["platform"], BAD["unknown parent"][0])
    [problem] = response.get_json()["errors"]
    assert "unknown parent NOPE-X" in problem["message"]
    assert "NOPE-X" in problem["message_zh"] and "上级" in problem["message_zh"]


def test_not_a_spreadsheet_and_no_file_are_refused(demo, secrets):
    client = demo.test_client()
    response = _send(client, secrets["platform"], "x", filename="orgs.exe")
    assert response.status_code == 422 and response.get_json()["errors"][0]["row"] is None
    response = client.post(URL, data={}, headers=bearer(secrets["platform"]),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]["files"]


def test_an_oversized_sheet_is_413_and_changes_nothing(demo, secrets):
    demo.config["API_MAX_UPLOAD_BYTES"] = 1000
    try:
        before = _tree(demo)
        text = GOOD + "".join(f"API-X{i},单位{i},grassroots_union,DEMO-D01,1\n" for i in range(100))
        response = _send(demo.test_client(), secrets["platform"], text)
    finally:
        demo.config["API_MAX_UPLOAD_BYTES"] = 5 * 1024 * 1024
    assert response.status_code == 413
    body = response.get_json()
    assert body["title_zh"] == "请求体过大" and body["title"] == "Request body too large"
    assert _tree(demo) == before
