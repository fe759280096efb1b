"""The checker's messages: Chinese on the upload page (the interface's language), English on
the command line and on the English page, with the same file, line and path."""

from __future__ import annotations

import html as html_lib
import io
import re

from tests.conftest import csrf_token_from
from tests.questionnaire_admin.test_questionnaire_cli_and_pages import BROKEN, _upload

#: A definition with one mistake of each common kind.
MISTAKES = """key: mistakes
title: {zh: 错误示例, en: Mistakes}
colour: red
sections:
  - id: s1
    title: {zh: 一}
    weight: 1
    questions:
      - id: q1
        type: likert
        scale: likert9
        label: {zh: 问题}
      - id: Q2
        type: single
        choices: []
        label: {zh: 选择}
"""


def _errors(html: str) -> list[str]:
    found = [html_lib.unescape(e) for e in
             re.findall(r"<li><code>([^<]*mistakes\.yaml[^<]*)</code></li>", html)]
    assert found, "no error list on the page"
    return found


def test_upload_errors_are_in_chinese(demo, client, auth):
    auth.login("city_admin", "demo-city-2026")
    response = _upload(client, MISTAKES.encode(), "mistakes.yaml")
    assert response.status_code == 422
    errors = _errors(response.get_data(as_text=True))
    text = "\n".join(errors)
    assert "缺少 'version'" in text
    assert "问卷中有未知的键 'colour'" in text
    assert "未知的量表 'likert9'" in text
    assert "题目标识 'Q2' 无效" in text
    assert "选项必须是非空的 {code, label} 列表" in text
    assert "mistakes.yaml:3 colour" in text  # where stays the same
    for english in ("unknown", "missing", "must be", "invalid", "did you mean"):
        assert english not in text, english


def test_upload_errors_in_english_on_the_english_page(demo, client, auth):
    auth.login("city_admin", "demo-city-2026")
    token = csrf_token_from(client.get("/questionnaires/").get_data(as_text=True))
    response = client.post("/questionnaires/?lang=en", content_type="multipart/form-data",
                           data={"csrf_token": token,
                                 "file": (io.BytesIO(BROKEN.encode()), "broken.yaml")})
    html = html_lib.unescape(response.get_data(as_text=True))
    assert "broken.yaml:11 sections[0].questions[0].scale: unknown scale 'likert9'" in html


def test_the_command_line_speaks_its_locale(runner, tmp_path, monkeypatch):
    (tmp_path / "mistakes.yaml").write_text(MISTAKES, encoding="utf-8")
    monkeypatch.setenv("PINGJIA_LANG", "en")
    result = runner.invoke(args=["questionnaire", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "mistakes.yaml:3 colour: unknown key 'colour' in the questionnaire" in result.output
    assert "missing 'version'" in result.output and "缺少" not in result.output
    monkeypatch.setenv("PINGJIA_LANG", "zh")
    result = runner.invoke(args=["questionnaire", "validate", str(tmp_path)])
    assert "mistakes.yaml:3 colour: 问卷中有未知的键 'colour'" in result.output
