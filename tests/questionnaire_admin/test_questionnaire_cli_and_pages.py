"""Questionnaire tooling: CLI validate/list/publish/XLSForm, and the admin pages."""

import io

import openpyxl
import pytest
from sqlalchemy import select

from questionnaires import library, load_questionnaire
from survey_app.extensions import db
from survey_app.models import AuditEntry, QuestionnaireVersion
from survey_app.models.questionnaire import ImmutableVersionError
from tests.conftest import csrf_token_from
from tests.surveys.conftest import SMALL

BROKEN = """key: broken
version: "1"
title: {zh: 坏问卷, en: Broken}
sections:
  - id: s1
    title: {zh: 一, en: One}
    weight: 0.7
    questions:
      - id: q1
        type: likert
        scale: likert9
        label: {zh: 问题, en: Question}
      - id: q1
        type: text
        label: {zh: 重复, en: Duplicate}
      - id: q3
        type: wizard
        label: {zh: 未知类型, en: Unknown type}
"""


def test_cli_validate_library_is_clean(runner):
    result = runner.invoke(args=["questionnaire", "validate", "questionnaires/library"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok"


def test_cli_validate_prints_every_error_with_file_and_line(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("PINGJIA_LANG", "en")
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(args=["questionnaire", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "broken.yaml:11 sections[0].questions[0].scale: unknown scale 'likert9'" in result.output
    assert "broken.yaml:17" in result.output and "wizard" in result.output  # unknown type
    assert "q1" in result.output and "duplicate" in result.output.lower()
    assert "weight" in result.output  # 0.7 does not sum to 1


def test_cli_list_and_publish_and_immutability(app, runner):
    listed = runner.invoke(args=["questionnaire", "list"])
    assert "member_evaluation" in listed.output and " 30 scored" in listed.output
    first = runner.invoke(args=["questionnaire", "publish", "member_evaluation"])
    assert first.exit_code == 0 and first.output.startswith("published:")
    again = runner.invoke(args=["questionnaire", "publish", "member_evaluation"])
    assert again.output.startswith("already published:")
    with app.app_context():
        versions = db.session.scalars(select(QuestionnaireVersion)).all()
        assert len(versions) == 1
        assert versions[0].content_hash == library()["member_evaluation"].content_hash()
        versions[0].title_zh = "篡改"
        with pytest.raises(ImmutableVersionError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(QuestionnaireVersion, versions[0].id).title_zh != "篡改"


def test_cli_publish_unknown_key(runner):
    result = runner.invoke(args=["questionnaire", "publish", "no_such_questionnaire"])
    assert result.exit_code != 0 and "no questionnaire" in result.output


def test_cli_xlsform_round_trip_keeps_the_questionnaire(app, runner, tmp_path):
    xlsx, yaml_out = tmp_path / "member.xlsx", tmp_path / "member.yaml"
    exported = runner.invoke(args=["questionnaire", "export-xlsform", "member_evaluation", "--out", str(xlsx)])
    assert exported.exit_code == 0, exported.output
    imported = runner.invoke(args=["questionnaire", "import-xlsform", str(xlsx), "--out", str(yaml_out)])
    assert imported.exit_code == 0, imported.output
    assert load_questionnaire(yaml_out).content_hash() == library()["member_evaluation"].content_hash()


def test_cli_import_xlsform_rejects_unmappable_rows(runner, tmp_path):
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Chinese (zh)", "label::English (en)"])
    survey.append(["text", "q1", "意见", "Comment"])
    survey.append(["geopoint", "where", "位置", "Location"])
    book.create_sheet("choices").append(["list_name", "name", "label::Chinese (zh)", "label::English (en)"])
    path = tmp_path / "geo.xlsx"
    book.save(path)
    result = runner.invoke(args=["questionnaire", "import-xlsform", str(path), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1
    assert "geopoint" in result.output and "3" in result.output  # the survey sheet's row 3
    assert not (tmp_path / "x.yaml").exists()


def _upload(client, content: bytes, name: str):
    token = csrf_token_from(client.get("/questionnaires/").get_data(as_text=True))
    return client.post("/questionnaires/", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_upload_shows_errors_with_lines(demo, client, auth):
    auth.login("city_admin", "demo-city-2026")
    response = _upload(client, BROKEN.encode(), "broken.yaml")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "broken.yaml:11" in html and "likert9" in html


def test_upload_preview_publish(demo, client, auth, app):
    auth.login("city_admin", "demo-city-2026")
    hostile = SMALL.replace("title: {zh: 测试问卷", "title: {zh: \"<script>alert('x')</script>测试问卷\"", 1)
    response = _upload(client, hostile.encode(), "small.yaml")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html
    assert 'name="q1"' in html and "preview-phone" in html
    token = csrf_token_from(html)
    definition = html.split('name="definition" type="hidden" value="')[1].split('"')[0]
    import html as html_lib

    published = client.post("/questionnaires/publish", data={"csrf_token": token,
                                                             "definition": html_lib.unescape(definition)})
    assert published.status_code == 302
    with app.app_context():
        version = db.session.scalar(select(QuestionnaireVersion))
        assert version.key == "small_test"
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "questionnaire.publish"))
    page = client.get(published.headers["Location"])
    assert page.status_code == 200 and "测试问卷" in page.get_data(as_text=True)


def test_upload_broken_xlsx_is_a_clear_error(demo, client, auth):
    auth.login("city_admin", "demo-city-2026")
    response = _upload(client, b"PK\x03\x04garbage", "form.xlsx")
    assert response.status_code == 422
    assert "无法读取该 Excel 文件（BadZipFile）" in response.get_data(as_text=True)


def test_library_preview_desktop_and_phone(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    phone = client.get("/questionnaires/library/member_evaluation")
    assert phone.status_code == 200 and "preview-phone" in phone.get_data(as_text=True)
    desktop = client.get("/questionnaires/library/member_evaluation?width=desktop")
    assert "preview-desktop" in desktop.get_data(as_text=True)
    assert client.get("/questionnaires/library/nope").status_code == 404


@pytest.mark.parametrize("user,password", [("analyst", "demo-analyst-2026"), ("evaluator_g01", "demo-eval-2026")])
def test_pages_need_an_admin(demo, client, auth, user, password):
    auth.login(user, password)
    assert client.get("/questionnaires/").status_code == 403


def _publish_as(client, auth, username: str, password: str, text: str):
    import html as html_lib

    auth.login(username, password)
    page = _upload(client, text.encode(), "q.yaml").get_data(as_text=True)
    definition = page.split('name="definition" type="hidden" value="')[1].split('"')[0]
    response = client.post("/questionnaires/publish", data={
        "csrf_token": csrf_token_from(page), "definition": html_lib.unescape(definition)})
    auth.logout()
    return response


def _versions(app, key: str) -> int:
    from sqlalchemy import func

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)
                                 .where(QuestionnaireVersion.key == key))


def _add_admin(app, username: str, org_code: str) -> None:
    from survey_app.models import Organisation, User

    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
        account = User(username=username, role="union_admin", organisation=org)
        account.set_password("pw-" + username)
        db.session.add(account)
        db.session.commit()


def test_a_key_is_versioned_only_by_its_union_or_above(demo, client, auth):
    """The union that publishes a key first owns it: another union's admin gets a 403 with
    a Chinese message, the owner and the admins above it may publish new versions."""
    from survey_app.models import QuestionnaireKey

    _add_admin(demo, "d01_admin", "DEMO-D01")
    _add_admin(demo, "d02_admin", "DEMO-D02")
    first = _publish_as(client, auth, "d01_admin", "pw-d01_admin", SMALL)
    assert first.status_code == 302
    with demo.app_context():
        assert db.session.get(QuestionnaireKey, "small_test").owner.code == "DEMO-D01"
    v2 = SMALL.replace('version: "1"', 'version: "2"', 1)
    assert v2 != SMALL
    refused = _publish_as(client, auth, "d02_admin", "pw-d02_admin", v2)
    assert refused.status_code == 403
    assert "属于其他工会" in refused.get_data(as_text=True)
    assert _versions(demo, "small_test") == 1
    assert _publish_as(client, auth, "city_admin", "demo-city-2026", v2).status_code == 302
    v3 = SMALL.replace('version: "1"', 'version: "3"', 1)
    assert _publish_as(client, auth, "d01_admin", "pw-d01_admin", v3).status_code == 302
    assert _publish_as(client, auth, "admin", "demo-admin-2026",
                       SMALL.replace('version: "1"', 'version: "4"', 1)).status_code == 302
    assert _versions(demo, "small_test") == 4


def test_only_the_platform_admin_versions_a_library_key(demo, client, auth):
    from survey_app.models import QuestionnaireKey

    imitation = SMALL.replace("key: small_test", "key: member_evaluation", 1)
    refused = _publish_as(client, auth, "city_admin", "demo-city-2026", imitation)
    assert refused.status_code == 403
    assert "平台题库" in refused.get_data(as_text=True)
    assert _versions(demo, "member_evaluation") == 0
    assert _publish_as(client, auth, "admin", "demo-admin-2026", imitation).status_code == 302
    with demo.app_context():
        assert db.session.get(QuestionnaireKey, "member_evaluation").owner is None


def test_a_platform_key_is_not_versioned_by_a_union(demo, client, auth):
    assert _publish_as(client, auth, "admin", "demo-admin-2026", SMALL).status_code == 302
    v2 = SMALL.replace('version: "1"', 'version: "2"', 1)
    assert _publish_as(client, auth, "city_admin", "demo-city-2026", v2).status_code == 403
