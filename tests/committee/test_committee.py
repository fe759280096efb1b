"""The committee list and its evaluation: bad input refused clearly, the people export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey_app.committee.operations import (
    add_committee_group,
    add_committee_member,
    committee_questionnaire,
)
from survey_app.errors import Conflict, DomainError
from survey_app.extensions import db
from survey_app.models import CommitteeMember, Organisation
from tests.conftest import csrf_token_from

COLUMNS = ["unit_code", "person", "role", "raters", "satisfied_rate", "basic_rate",
           "unsatisfied_rate", "suppressed"]


def _org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


@pytest.fixture
def committee(demo):
    from demo.committee import load_demo_committee

    with demo.app_context():
        load_demo_committee()
    return demo


def test_a_person_listed_twice_is_refused_and_nothing_is_lost(committee):
    with committee.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(CommitteeMember))
        with pytest.raises(Conflict, match="已在"):
            add_committee_member(_org("DEMO-G01"), " 李明 ", "member")
        db.session.rollback()
        assert db.session.scalar(select(db.func.count()).select_from(CommitteeMember)) == before


def test_a_person_of_another_union_cannot_be_rated_in_its_campaign(committee):
    with committee.app_context():
        stranger = add_committee_member(_org("DEMO-G02"), "外单位委员", "member")
        with pytest.raises(DomainError, match="不是"):
            committee_questionnaire(_org("DEMO-G01"), [stranger], 2026)
        with pytest.raises(DomainError, match="为空"):
            committee_questionnaire(_org("DEMO-G03"), [], 2026)
        db.session.rollback()


def test_the_committee_questionnaire_repeats_the_duties_per_person(committee):
    with committee.app_context():
        people = list(db.session.scalars(select(CommitteeMember).order_by(CommitteeMember.id)))
        q = committee_questionnaire(_org("DEMO-G01"), people, 2026)
        ids = [f.id for f in q.fields()]
        assert len(ids) == 7 * 4 and ids[0] == f"p{people[0].id}_cm_overall"


def _login(client, username, password):
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    assert client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token}).status_code == 302


def test_the_unit_page_adds_a_person_and_refuses_a_duplicate_in_chinese(committee):
    client = committee.test_client()
    _login(client, "g01_admin", "demo-g01-2026")
    page = client.get("/committee/units/DEMO-G01")
    assert page.status_code == 200 and "王秀英" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    added = client.post("/committee/units/DEMO-G01", data={
        "csrf_token": token, "name": "孙海", "role": "member", "report": "负责宣传"})
    assert added.status_code == 302
    twice = client.post("/committee/units/DEMO-G01", data={
        "csrf_token": token, "name": "孙海", "role": "member", "report": "重复"})
    assert twice.status_code == 409
    assert "孙海已在" in twice.get_data(as_text=True)
    no_csrf = client.post("/committee/units/DEMO-G01", data={"name": "无令牌", "role": "member"})
    assert no_csrf.status_code == 400
    assert client.get("/committee/units/DEMO-G02").status_code == 403


def test_report_people_csv_has_the_columns_and_hides_the_newcomer(committee):
    result = committee.test_cli_runner().invoke(
        args=["report", "people", "--campaign", "DEMO-COMMITTEE-2026", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == COLUMNS and len(rows) == 7
    newcomer = next(r for r in rows if r["person"] == "赵立新")
    assert newcomer["suppressed"] == "true"
    assert [newcomer[c] for c in COLUMNS[3:7]] == ["", "", "", ""]
    chair = next(r for r in rows if r["person"] == "王秀英")
    assert chair["role"] == "chair" and chair["suppressed"] == "false"
    assert int(chair["raters"]) == 24
    shares = [float(chair[c]) for c in ("satisfied_rate", "basic_rate", "unsatisfied_rate")]
    assert sum(shares) == pytest.approx(1.0)


def test_report_people_xlsx(committee, tmp_path):
    out = tmp_path / "people.xlsx"
    result = committee.test_cli_runner().invoke(args=[
        "report", "people", "--campaign", "DEMO-COMMITTEE-2026", "--format", "xlsx",
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["people"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(values) if row[:2] == ["unit_code", "person"])
    assert values[header][:8] == COLUMNS
    newcomer = next(row for row in values[header + 1:] if row[1] == "赵立新")
    assert newcomer[3:7] == [None, None, None, None]


def test_report_people_refuses_an_open_or_unknown_campaign(committee):
    from survey_app.models import Campaign

    runner = committee.test_cli_runner()
    unknown = runner.invoke(args=["report", "people", "--campaign", "NOPE"])
    assert unknown.exit_code != 0
    with committee.app_context():
        campaign = db.session.scalar(select(Campaign).where(
            Campaign.code == "DEMO-COMMITTEE-2026"))
        campaign.status = "open"
        db.session.commit()
    refused = runner.invoke(args=["report", "people", "--campaign", "DEMO-COMMITTEE-2026"])
    assert refused.exit_code != 0 and "closed" in refused.output


def test_a_second_committee_group_in_one_campaign_needs_its_own_union(committee):
    with committee.app_context():
        from survey_app.models import Campaign

        campaign = db.session.scalar(select(Campaign).where(
            Campaign.code == "DEMO-COMMITTEE-2026"))
        person = add_committee_member(_org("DEMO-G03"), "第三单位主席", "chair")
        group = add_committee_group(campaign, _org("DEMO-G03"))
        assert group.settings == {"committee": "DEMO-G03", "people": [person.id]}
        db.session.rollback()
