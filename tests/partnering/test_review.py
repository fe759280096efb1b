"""Dynamic management of honours (动态管理): the federation's thresholds put honoured units on a
re-check / warning list; the assessment's recommendations are confirmed into the register."""

from __future__ import annotations

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEntry
from survey_app.models.assessment import AssessmentResult, AssessmentRun
from survey_app.models.partnering import Honour
from survey_app.partnering import operations as ops
from survey_app.partnering import queries
from tests.conftest import csrf_token_from
from tests.partnering.conftest import org, user

YEAR = 2026


def _login(client, username, password):
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": token})
    assert response.status_code == 302


def _token(client, path="/partnering/review"):
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _result(run, code, satisfaction, participation, score, honours):
    run.results.append(AssessmentResult(
        organisation=org(code), score=score, grade="good", status="complete",
        honours=honours, details={"values": {"member_satisfaction": satisfaction,
                                             "participation": participation}}))


def _run(world, published=True):
    """A default-scheme assessment of 2026 with three units (figures as the engine stores
    them), and a city honour of G03 from 2023, due for its re-check in 2026."""
    with world.app_context():
        run = AssessmentRun(scheme_key="default", year=YEAR, scheme_hash="x")
        _result(run, "DEMO-G02", 0.78, 0.55, 82.0, "qualified_home;city_model")
        _result(run, "DEMO-G03", 0.95, 0.80, 96.0, "qualified_home;city_model")
        _result(run, "DEMO-G04", 0.90, 0.25, 88.0, "qualified_home")
        if published:
            from datetime import UTC, datetime

            run.published_at = datetime.now(UTC)
        db.session.add(run)
        ops.add_honour(user("admin"), unit=org("DEMO-G03"), awarding=org("DEMO-CITY"),
                       level="city", year=2023, document_number="东工发〔2023〕3号")
        db.session.commit()


def test_thresholds_put_units_below_them_on_the_list(world):
    _run(world)
    with world.app_context():
        city = org("DEMO-CITY")
        # without thresholds only the re-check due this year lists a unit
        rows = queries.review_list(city, YEAR)
        assert [(r.honour.organisation.code, r.honour.level) for r in rows] == [
            ("DEMO-G03", "city")]
        assert "Re-check due" in rows[0].reasons[0] or "复查" in rows[0].reasons[0]
        ops.set_review_thresholds(user("admin"), upper=city, year=YEAR, scheme_key="default",
                                  min_satisfaction=0.85, min_participation=0.40,
                                  min_score=85)
        db.session.commit()
        rows = {r.honour.organisation.code: r for r in queries.review_list(city, YEAR)}
        assert set(rows) == {"DEMO-G02", "DEMO-G03"}
        g02 = rows["DEMO-G02"]
        assert (g02.satisfaction, g02.participation, g02.score) == (0.78, 0.55, 82.0)
        assert len(g02.reasons) == 2  # satisfaction and score, not participation
        assert "78.0%" in g02.reasons[0] and "85.0%" in g02.reasons[0]
        assert "82" in g02.reasons[1] and "85" in g02.reasons[1]
        # a threshold exactly met is kept
        ops.set_review_thresholds(user("admin"), upper=city, year=YEAR, scheme_key="default",
                                  min_satisfaction=0.78, min_participation=None,
                                  min_score=None)
        assert "DEMO-G02" not in {r.honour.organisation.code
                                  for r in queries.review_list(city, YEAR)}
        # a district sees only its own subtree
        assert {r.honour.organisation.code for r in queries.review_list(
            org("DEMO-D02"), YEAR)} == set()


def test_recommendations_come_from_the_published_assessment_only(world):
    _run(world, published=False)
    with world.app_context():
        city = org("DEMO-CITY")
        assert queries.recommendations(city, YEAR, "default") == []
        run = db.session.scalar(select(AssessmentRun))
        from datetime import UTC, datetime

        run.published_at = datetime.now(UTC)
        db.session.commit()
        recs = [(r.unit.code, r.level) for r in queries.recommendations(city, YEAR, "default")]
        # G02 (2024) and G03 (2023) already hold the city honour they earned again
        assert recs == [("DEMO-G04", "qualified")]


def test_recommendations_skip_levels_at_or_below_the_current_valid_honour(world):
    """A unit is proposed only for a level above its highest valid honour: not the same
    level awarded in an earlier year, not a lower one; a withdrawn honour holds nothing."""
    _run(world)
    with world.app_context():
        city = org("DEMO-CITY")
        # G04 earned the qualified home; a provincial model home of 2022 already ranks above
        ops.add_honour(user("admin"), unit=org("DEMO-G04"), awarding=org("DEMO-CITY"),
                       level="provincial", year=2022)
        # G03's city honour is withdrawn: the city level it earned is proposed again
        g03 = db.session.scalar(select(Honour).where(Honour.organisation_id == org(
            "DEMO-G03").id))
        g03.status = "withdrawn"
        # G02 holds a qualified home only (its 2024 city honour is on warning): city is above
        g02 = db.session.scalar(select(Honour).where(Honour.organisation_id == org(
            "DEMO-G02").id))
        g02.status = "warned"
        ops.add_honour(user("admin"), unit=org("DEMO-G02"), awarding=org("DEMO-CITY"),
                       level="qualified", year=2021)
        db.session.commit()
        recs = [(r.unit.code, r.level) for r in queries.recommendations(city, YEAR, "default")]
        assert recs == [("DEMO-G02", "city"), ("DEMO-G03", "city")]
        # an honour awarded after the assessment's year does not count yet
        g04 = db.session.scalar(select(Honour).where(Honour.level == "provincial"))
        g04.year = YEAR + 1
        db.session.commit()
        recs = [(r.unit.code, r.level) for r in queries.recommendations(city, YEAR, "default")]
        assert ("DEMO-G04", "qualified") in recs


def test_awarding_union_confirms_a_recommendation_into_the_register(world):
    _run(world)
    client = world.test_client()
    _login(client, "city_admin", "demo-city-2026")
    page = client.get(f"/partnering/review?year={YEAR}")
    assert page.status_code == 200
    assert "DEMO-G04" in page.get_data(as_text=True)
    response = client.post(f"/partnering/review/confirm?year={YEAR}", data={
        "csrf_token": _token(client), "unit_code": "DEMO-G04", "level": "qualified",
        "scheme_key": "default", "document_number": "东工发〔2026〕12号"})
    assert response.status_code == 302
    with world.app_context():
        honour = db.session.scalar(select(Honour).where(Honour.organisation_id == org(
            "DEMO-G04").id))
        run = db.session.scalar(select(AssessmentRun))
        assert (honour.level, honour.year, honour.awarding.code, honour.assessment_run_id,
                honour.document_number) == ("qualified", YEAR, "DEMO-CITY", run.id,
                                            "东工发〔2026〕12号")
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "honour.recommendation_confirmed")) is not None
        assert "DEMO-G04" not in {r.unit.code for r in queries.recommendations(
            org("DEMO-CITY"), YEAR, "default")}
    # a level the assessment did not recommend is refused, nothing is recorded
    response = client.post(f"/partnering/review/confirm?year={YEAR}", data={
        "csrf_token": _token(client), "unit_code": "DEMO-G04", "level": "national",
        "scheme_key": "default"}, follow_redirects=True)
    assert "不推荐" in response.get_data(as_text=True) or "does not recommend" in \
        response.get_data(as_text=True)
    with world.app_context():
        assert db.session.scalar(select(Honour).where(Honour.level == "national")) is None


def test_warning_needs_a_reason_and_only_the_awarding_union_decides(world):
    _run(world)
    with world.app_context():
        honour_id = db.session.scalar(select(Honour.id).where(
            Honour.organisation_id == org("DEMO-G03").id))
    client = world.test_client()
    _login(client, "district_admin", "demo-district-2026")
    response = client.post(f"/partnering/honours/{honour_id}/status", data={
        "csrf_token": _token(client), "status": "warned", "note": "x"})
    assert response.status_code == 403  # awarded by the city, not the district
    client = world.test_client()
    _login(client, "city_admin", "demo-city-2026")
    response = client.post(f"/partnering/honours/{honour_id}/status?year={YEAR}", data={
        "csrf_token": _token(client), "status": "warned", "note": "  "})
    assert response.status_code == 422
    assert "请说明预警或撤销的理由" in response.get_data(as_text=True)
    response = client.post(f"/partnering/honours/{honour_id}/status?year={YEAR}", data={
        "csrf_token": _token(client), "status": "warned",
        "note": "会员满意率连续两年下降，限期整改"})
    assert response.status_code == 302
    with world.app_context():
        honour = db.session.get(Honour, honour_id)
        assert (honour.status, honour.status_note) == ("warned", "会员满意率连续两年下降，限期整改")
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "honour.status_changed"))
        assert entry is not None and entry.detail["after"] == "warned"


def test_thresholds_are_typed_as_percentages_and_checked(world):
    client = world.test_client()
    _login(client, "city_admin", "demo-city-2026")
    response = client.post(f"/partnering/review/thresholds?year={YEAR}", data={
        "csrf_token": _token(client), "scheme_key": "default", "min_satisfaction": "150",
        "min_participation": "40", "min_score": ""})
    assert response.status_code == 422
    assert 'value="40' in response.get_data(as_text=True)  # what was typed survives
    response = client.post(f"/partnering/review/thresholds?year={YEAR}", data={
        "csrf_token": _token(client), "scheme_key": "default", "min_satisfaction": "85",
        "min_participation": "40", "min_score": ""})
    assert response.status_code == 302
    with world.app_context():
        th = queries.review_thresholds(org("DEMO-CITY"), YEAR)
        assert (th.min_satisfaction, th.min_participation, th.min_score) == (0.85, 0.4, None)
