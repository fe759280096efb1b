"""Organisation import: every error names row and column, and a bad file changes nothing."""

import io

import openpyxl
import pytest
import xlwt

from survey_app.extensions import db
from survey_app.models import AuditEntry, Organisation
from tests.conftest import csrf_token_from

GOOD = """code,name,kind,parent_code,members
C1,测试市总工会,federation,,0
D1,测试区总工会,district_federation,C1,0
G1,测试机械厂工会,grassroots_union,D1,120
B1,一车间分工会,branch_union,G1,40
T1,一班组,union_group,B1,12
"""


def _import(runner, tmp_path, content: bytes, name: str = "orgs.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return runner.invoke(args=["orgs", "import", str(path)])


def _orgs(app):
    with app.app_context():
        return {o.code: o for o in db.session.scalars(db.select(Organisation))}


def test_import_builds_the_tree_with_paths(app, runner, tmp_path):
    result = _import(runner, tmp_path, GOOD.encode())
    assert result.exit_code == 0, result.output
    assert "5 new" in result.output
    with app.app_context():
        orgs = {o.code: o for o in db.session.scalars(db.select(Organisation))}
        t1, c1 = orgs["T1"], orgs["C1"]
        assert t1.depth == 4
        assert t1.path == "/" + "/".join(str(orgs[c].id) for c in ["C1", "D1", "G1", "B1", "T1"]) + "/"
        assert t1.is_within(c1) and not c1.is_within(t1)
        subtree = {o.code for o in db.session.scalars(orgs["G1"].subtree_query())}
        assert subtree == {"G1", "B1", "T1"}
        assert orgs["G1"].members == 120


def test_import_is_idempotent_and_updates(app, runner, tmp_path):
    assert _import(runner, tmp_path, GOOD.encode()).exit_code == 0
    changed = GOOD.replace("测试机械厂工会,grassroots_union,D1,120", "测试机械厂工会,grassroots_union,C1,150")
    result = _import(runner, tmp_path, changed.encode())
    assert result.exit_code == 0, result.output
    assert "0 new, 5 updated" in result.output
    orgs = _orgs(app)
    assert orgs["G1"].members == 150
    assert orgs["T1"].path.startswith(orgs["C1"].path) and orgs["T1"].depth == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (GOOD.replace("federation,,0\n", "planet,,0\n", 1), ["第 2 行", "kind 列", "未知的类型 planet"]),
        (GOOD.replace("G1,测试机械厂工会,grassroots_union,D1", "G1,测试机械厂工会,grassroots_union,NOPE"),
         ["第 4 行", "parent_code 列", "未知的上级单位 NOPE"]),
        (GOOD + "G1,重复,grassroots_union,D1,3\n", ["第 7 行", "code 列", "代码 G1 重复（第 4 行也有）"]),
        (GOOD.replace("C1,测试市总工会,federation,,0", "C1,测试市总工会,federation,T1,0"),
         ["parent_code 列", "上级关系形成了循环"]),
        (GOOD.replace("G1,测试机械厂工会,grassroots_union,D1,120", "G1,测试机械厂工会,grassroots_union,D1,many"),
         ["第 4 行", "members 列", "会员数必须是不小于 0 的整数"]),
        (GOOD.replace("B1,一车间分工会,branch_union,G1", "B1,一车间分工会,branch_union,C1"),
         ["第 5 行", "kind 列", "分工会不能隶属于总工会"]),
        ("code,name\nX,Y\n", ["kind 列", "缺少此列"]),
    ],
)
def test_import_errors_name_row_and_column_and_change_nothing(app, runner, tmp_path, content, expected):
    result = _import(runner, tmp_path, content.encode())
    assert result.exit_code == 1
    for text in expected:
        assert text in result.output
    assert _orgs(app) == {}


def test_a_bad_row_keeps_existing_data(app, runner, tmp_path):
    assert _import(runner, tmp_path, GOOD.encode()).exit_code == 0
    bad = GOOD.replace("测试机械厂工会,grassroots_union,D1,120", "改名,grassroots_union,D1,999") + "X9,,federation,,0\n"
    assert _import(runner, tmp_path, bad.encode()).exit_code == 1
    orgs = _orgs(app)
    assert orgs["G1"].name == "测试机械厂工会" and orgs["G1"].members == 120
    assert "X9" not in orgs


def test_gbk_csv_imports(app, runner, tmp_path):
    result = _import(runner, tmp_path, GOOD.encode("gbk"))
    assert result.exit_code == 0, result.output
    assert _orgs(app)["G1"].name == "测试机械厂工会"


def test_chinese_headers_are_accepted(app, runner, tmp_path):
    content = GOOD.replace("code,name,kind,parent_code,members", "代码,名称,类型,上级代码,会员数")
    assert _import(runner, tmp_path, content.encode("gbk")).exit_code == 0
    assert len(_orgs(app)) == 5


def test_undecodable_file_is_a_clear_error(app, runner, tmp_path):
    result = _import(runner, tmp_path, b"code,name\n\xff\xfe\xfa\x80\x81,\x80\n")
    assert result.exit_code == 1
    assert "UTF-8" in result.output


def _rows():
    return [line.split(",") for line in GOOD.strip().splitlines()]


def test_xlsx_imports(app, runner, tmp_path):
    book = openpyxl.Workbook()
    for row in _rows():
        book.active.append([int(v) if v.isdigit() else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(runner, tmp_path, buffer.getvalue(), "orgs.xlsx")
    assert result.exit_code == 0, result.output
    assert _orgs(app)["T1"].members == 12


def test_gbk_legacy_xls_imports(app, runner, tmp_path):
    book = xlwt.Workbook(encoding="gbk")
    sheet = book.add_sheet("单位")
    for r, row in enumerate(_rows()):
        for c, value in enumerate(row):
            sheet.write(r, c, int(value) if value.isdigit() else value)
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(runner, tmp_path, buffer.getvalue(), "orgs.xls")
    assert result.exit_code == 0, result.output
    assert _orgs(app)["B1"].name == "一车间分工会"


def test_broken_xlsx_is_a_clear_error(app, runner, tmp_path):
    result = _import(runner, tmp_path, b"PK\x03\x04 not really a zip", "orgs.xlsx")
    assert result.exit_code == 1
    assert "无法读取该 Excel 文件" in result.output


def test_export_writes_the_import_columns(app, runner, tmp_path):
    _import(runner, tmp_path, GOOD.encode())
    result = runner.invoke(args=["orgs", "export", "--format", "csv"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0] == "code,name,kind,parent_code,members"
    assert "B1,一车间分工会,branch_union,G1,40" in lines
    # The export imports back unchanged.
    again = _import(runner, tmp_path, result.output.encode(), "again.csv")
    assert "0 new, 5 updated" in again.output


def test_upload_page_imports_and_audits(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    page = client.get("/orgs/import")
    token = csrf_token_from(page.get_data(as_text=True))
    content = "code,name,kind,parent_code,members\nNEW-1,新单位工会,grassroots_union,DEMO-D01,30\n"
    response = client.post(
        "/orgs/import",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode("gbk")), "new.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    orgs = _orgs(demo)
    assert orgs["NEW-1"].is_within(orgs["DEMO-D01"])
    with demo.app_context():
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "orgs.import"))


def test_upload_errors_are_shown_with_422(demo, client, auth):
    auth.login("admin", "demo-admin-2026")
    token = csrf_token_from(client.get("/orgs/import").get_data(as_text=True))
    content = "code,name,kind,parent_code,members\nNEW-1,<script>alert(1)</script>,bogus,DEMO-D01,30\n"
    response = client.post(
        "/orgs/import",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), "new.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "未知的类型 bogus" in html and "第 2 行" in html
    assert "NEW-1" not in _orgs(demo)


def test_union_admin_cannot_import_outside_its_subtree(demo, client, auth):
    auth.login("district_admin", "demo-district-2026")
    token = csrf_token_from(client.get("/orgs/import").get_data(as_text=True))
    content = "code,name,kind,parent_code,members\nNEW-2,越权单位工会,grassroots_union,DEMO-D02,30\n"
    response = client.post(
        "/orgs/import",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), "new.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "之外" in response.get_data(as_text=True)
    assert "NEW-2" not in _orgs(demo)


def test_kinds_may_be_given_by_their_chinese_names(app, runner, tmp_path):
    content = (GOOD.replace(",federation,", ",总工会,").replace(",district_federation,", ",县（市、区）总工会,")
               .replace(",grassroots_union,", ",基层工会,").replace(",branch_union,", ",分工会,")
               .replace(",union_group,", ",工会小组,"))
    result = _import(runner, tmp_path, content.encode())
    assert result.exit_code == 0, result.output
    orgs = _orgs(app)
    assert orgs["C1"].kind == "federation" and orgs["B1"].kind == "branch_union"
    assert orgs["T1"].kind == "union_group"


def test_an_unknown_kind_lists_the_chinese_names(app, runner, tmp_path):
    result = _import(runner, tmp_path, GOOD.replace(",federation,", ",星球,", 1).encode())
    assert result.exit_code == 1
    assert "星球" in result.output and "基层工会" in result.output
    assert "grassroots_union" not in result.output


def _import_as(client, auth, username, password, content):
    auth.login(username, password)
    token = csrf_token_from(client.get("/orgs/import").get_data(as_text=True))
    return client.post(
        "/orgs/import",
        data={"csrf_token": token, "file": (io.BytesIO(content.encode()), "units.csv")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("rows,why", [
    # its own unit moved under another district
    ("DEMO-D01,东湖市江滨区总工会,district_federation,DEMO-CITY,10\n"
     "DEMO-G01,甲,grassroots_union,DEMO-D01,5\n", "own"),
    # its own member count changed (only the upper union sets it)
    ("DEMO-G01,东湖市江滨区机械制造有限公司工会,grassroots_union,DEMO-D01,99999\n", "own"),
    # a unit of its subtree detached and hung under another district
    ("DEMO-G01-B1,分工会,branch_union,DEMO-G13,5\n", "outside"),
])
def test_a_union_admin_cannot_change_its_own_place_in_the_tree(demo, client, auth, rows, why):
    """The admin's own row, and any parent link leaving its subtree, are refused with their
    row numbers, and nothing changes."""
    own = "DEMO-G01" if "99999" in rows else "DEMO-D01"
    username, password = (("g01_admin", "demo-g01-2026") if own == "DEMO-G01"
                          else ("district_admin", "demo-district-2026"))
    if why == "outside":
        username, password = "g01_admin", "demo-g01-2026"
    before = {c: (o.parent_id, o.members, o.path) for c, o in _orgs(demo).items()}
    response = _import_as(client, auth, username, password,
                          "code,name,kind,parent_code,members\n" + rows)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 2 行" in html
    assert ("由上级工会维护" in html) if why == "own" else ("之外" in html)
    after = {c: (o.parent_id, o.members, o.path) for c, o in _orgs(demo).items()}
    assert after == before


def test_a_union_admin_still_adds_and_changes_units_below_it(demo, client, auth):
    response = _import_as(client, auth, "g01_admin", "demo-g01-2026",
                          "code,name,kind,parent_code,members\n"
                          "G01-NEW,新分工会,branch_union,DEMO-G01,12\n")
    assert response.status_code == 302
    orgs = _orgs(demo)
    assert orgs["G01-NEW"].is_within(orgs["DEMO-G01"]) and orgs["G01-NEW"].members == 12
