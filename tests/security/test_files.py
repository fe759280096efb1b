"""Injection and resource exhaustion through files: YAML, xlsx (zip bombs), formula cells."""

import io
import zipfile

import pytest

from questionnaires import QuestionnaireError, load_questionnaire_text
from survey_app.models import Organisation
from survey_app.organisations.operations import export_rows
from tests.conftest import csrf_token_from


@pytest.mark.parametrize("text,message", [
    ("!!python/object/apply:os.system ['echo pwned']", "invalid YAML"),
    ("a: !!python/name:os.system\n", "invalid YAML"),
    ("x: &a [1]\ny: *a\n", "anchors"),
    ("[" * 200 + "]" * 200, "nesting too deep"),
    ("key: " + "x" * (1024 * 1024 + 10), "too large"),
])
def test_hostile_yaml_is_refused_cleanly(text, message):
    with pytest.raises(QuestionnaireError) as failure:
        load_questionnaire_text(text, "evil.yaml")
    assert message in str(failure.value.errors[0])


def _zip_bomb() -> bytes:
    """A small .xlsx whose sheet inflates to about 200 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"<row>" + b" " * (1024 * 1024) + b"</row>"
            for _ in range(200):
                sheet.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_xlsx_is_refused_in_org_import(demo, client, auth):
    bomb = _zip_bomb()
    assert len(bomb) < 1024 * 1024
    auth.login("admin", "demo-admin-2026")
    token = csrf_token_from(client.get("/orgs/import").get_data(as_text=True))
    response = client.post("/orgs/import", data={"csrf_token": token, "file": (io.BytesIO(bomb), "bomb.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Excel" in response.get_data(as_text=True)


def test_zip_bomb_xlsx_is_refused_in_questionnaire_upload(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    token = csrf_token_from(client.get("/questionnaires/").get_data(as_text=True))
    response = client.post("/questionnaires/", data={"csrf_token": token, "file": (io.BytesIO(_zip_bomb()), "bomb.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_formula_cells_are_neutralised_in_org_export():
    parent = Organisation(code="P", name="Parent", kind="federation", path="/1/", depth=0)
    evil = Organisation(code="=HYPERLINK(\"http://x\")", name="@SUM(A1)", kind="grassroots_union",
                        path="/1/2/", depth=1, parent=parent, members=3)
    text = export_rows([parent, evil])
    assert "'=HYPERLINK" in text and ",'@SUM(A1)," in text
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@", "-"))


@pytest.mark.parametrize("page,post", [
    ("/orgs/import", "/orgs/import"),
    ("/questionnaires/", "/questionnaires/"),
    ("/assessment/default/2026/", "/assessment/default/2026/import"),
])
def test_a_well_formed_inflating_workbook_is_refused_by_size_on_every_upload(
        demo, client, auth, page, post):
    """A valid 15 MB sheet packed into a small file: refused from the archive's directory
    with a message about its size, on every page that takes xlsx."""
    from tests.analysis.test_spreadsheets import _inflated

    auth.login("admin", "demo-admin-2026")
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    response = client.post(post, data={"csrf_token": token,
                                       "file": (io.BytesIO(_inflated(15)), "bomb.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "25 MB" in response.get_data(as_text=True)
