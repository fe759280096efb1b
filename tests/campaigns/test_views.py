"""Campaign pages and my evaluations: authorisation on every object, forms, lifecycle."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import (
    Assignment,
    AuditEntry,
    Campaign,
    Draft,
    RaterGroup,
    Response,
    Submission,
)
from tests.campaigns.conftest import org, user
from tests.conftest import csrf_token_from

PASSWORDS = {
    "admin": "demo-admin-2026", "city_admin": "demo-city-2026",
    "district_admin": "demo-district-2026", "g01_admin": "demo-g01-2026",
    "evaluator_d01": "demo-eval-2026", "evaluator_g01": "demo-eval-2026",
    "assessor": "demo-assessor-2026", "analyst": "demo-analyst-2026",
}


def login(auth, username):
    response = auth.login(username, PASSWORDS[username])
    assert response.status_code == 302, username


def token(client, path="/"):
    return csrf_token_from(client.get(path).get_data(as_text=True))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def status_of(app, campaign_id) -> str:
    with app.app_context():
        return db.session.get(Campaign, campaign_id).status


def set_status(app, campaign_id, status) -> None:
    with app.app_context():
        db.session.get(Campaign, campaign_id).status = status
        db.session.commit()


def assignment_id(app, campaign_id, group, rater_code=None, target_code=None) -> int:
    with app.app_context():
        query = select(Assignment.id).join(RaterGroup).where(
            Assignment.campaign_id == campaign_id, RaterGroup.key == group)
        if rater_code:
            query = query.where(Assignment.rater_org_id == org(rater_code).id)
        if target_code:
            query = query.where(Assignment.target_id == org(target_code).id)
        return db.session.scalars(query.order_by(Assignment.id)).first()


def org_id(app, code) -> int:
    with app.app_context():
        return org(code).id


@pytest.mark.parametrize("username,status", [
    (None, 302), ("evaluator_d01", 403), ("assessor", 403), ("analyst", 403),
    ("g01_admin", 403), ("district_admin", 200), ("city_admin", 200), ("admin", 200),
])
def test_campaign_pages_by_role(demo, cross, client, auth, username, status):
    if username:
        login(auth, username)
    for path in (f"/campaigns/{cross}", f"/campaigns/{cross}/assignments",
                 f"/campaigns/{cross}/assignments.csv", f"/campaigns/{cross}/edit"):
        response = client.get(path)
        assert response.status_code == status, path
        if status != 200:
            assert b"DEMO-G01" not in response.data
    listing = client.get("/campaigns/")
    if username == "g01_admin":
        assert listing.status_code == 200 and b"T-CROSS" not in listing.data
    if status == 200:
        assert b"T-CROSS" in listing.data


def test_missing_campaign_is_404(demo, client, auth):
    login(auth, "admin")
    assert client.get("/campaigns/999").status_code == 404


def _new_form(client):
    page = client.get("/campaigns/new")
    assert page.status_code == 200
    return {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "code": "W-PEER",
            "name": "网页创建 <b>互评</b>", "kind": "peer", "cycle": "annual", "year": "2026",
            "opens_on": "2026-01-01", "closes_on": "2099-12-31", "min_group_size": "5",
            "owner": "DEMO-D01", "target_mode": "level", "target_root": "DEMO-D01",
            "target_level": "grassroots_union", "target_codes": "",
            "groups-0-key": "peer", "groups-0-name": "同级", "groups-0-weight": "1",
            "groups-0-questionnaire": "peer_evaluation", "groups-0-rule": "peer",
            "groups-0-peers_per_target": "4"}


def test_create_on_the_web(demo, client, auth):
    login(auth, "district_admin")
    response = client.post("/campaigns/new", data=_new_form(client))
    assert response.status_code == 302
    with demo.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.code == "W-PEER"))
        assert c.owner.code == "DEMO-D01" and len(c.targets) == 12
        assert c.rater_groups[0].settings == {"peers_per_target": 4}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.create"))
        assert entry.user_id == user("district_admin").id
        campaign_id = c.id
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "网页创建 &lt;b&gt;互评&lt;/b&gt;" in page and "<b>互评" not in page


@pytest.mark.parametrize("changes,message", [
    ({"groups-0-weight": "0.8"}, "the rater group weights sum to 0.8"),
    ({"owner": "DEMO-D02", "target_root": "DEMO-D02"}, "outside your part of the tree"),
    ({"target_root": "DEMO-NOPE"}, "no unit with code &#39;DEMO-NOPE&#39;"),
])
def test_create_on_the_web_refuses_bad_input(demo, client, auth, changes, message):
    login(auth, "district_admin")
    response = client.post("/campaigns/new", data=_new_form(client) | changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(demo, Campaign) == 0


def test_forms_need_csrf(demo, cross, client, auth):
    login(auth, "admin")
    assert client.post(f"/campaigns/{cross}/state", data={"to": "open"}).status_code == 400
    assert client.post(f"/campaigns/{cross}/assignments/generate").status_code == 400
    assert status_of(demo, cross) == "draft"


def test_lifecycle_on_the_web(demo, cross, client, auth):
    login(auth, "city_admin")
    csrf = token(client, f"/campaigns/{cross}")
    state = f"/campaigns/{cross}/state"
    illegal = client.post(state, data={"csrf_token": csrf, "to": "published"})
    assert illegal.status_code == 409 and b"cannot go from draft to published" in illegal.data
    assert client.post(state, data={"csrf_token": csrf, "to": "open"}).status_code == 302
    assert client.post(state, data={"csrf_token": csrf, "to": "closed",
                                    "confirmed": "yes"}).status_code == 302
    # Only a platform admin may reopen a closed campaign.
    refused = client.post(state, data={"csrf_token": csrf, "to": "open", "reason": "x"})
    assert refused.status_code == 403
    assert status_of(demo, cross) == "closed"
    auth.logout()
    login(auth, "admin")
    csrf = token(client, f"/campaigns/{cross}")
    assert client.post(state, data={"csrf_token": csrf, "to": "open"}).status_code == 302
    assert status_of(demo, cross) == "closed"  # no reason: refused, with a message
    ok = client.post(state, data={"csrf_token": csrf, "to": "open", "reason": "迟交"})
    assert ok.status_code == 302
    assert status_of(demo, cross) == "open"
    with demo.app_context():
        actions = [(e.action, e.user_id, e.detail) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("campaign.%"))
            .order_by(AuditEntry.id))]
        # closing froze the results (an audit entry with the snapshot's digest)
        assert [a for a, _, _ in actions] == ["campaign.create", "campaign.open",
                                              "campaign.close", "campaign.results_frozen",
                                              "campaign.reopen"]
        assert actions[1][1] == user("city_admin").id
        assert actions[-1][1] == user("admin").id and actions[-1][2]["reason"] == "迟交"


def test_edit_weights_on_the_web(demo, cross, client, auth):
    login(auth, "district_admin")
    with demo.app_context():
        ids = [g.id for g in db.session.get(Campaign, cross).rater_groups]
    page = client.get(f"/campaigns/{cross}/edit").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "name": "改名", "opens_on": "2026-01-01",
            "closes_on": "2099-12-31", "min_group_size": "6"}
    bad = data | {f"weight_{ids[0]}": "0.5", f"weight_{ids[1]}": "0.5", f"weight_{ids[2]}": "0.5"}
    response = client.post(f"/campaigns/{cross}/edit", data=bad)
    assert response.status_code == 422 and "sum to 1.5" in response.get_data(as_text=True)
    good = data | {f"weight_{ids[0]}": "0.6", f"weight_{ids[1]}": "0.2", f"weight_{ids[2]}": "0.2"}
    assert client.post(f"/campaigns/{cross}/edit", data=good).status_code == 302
    with demo.app_context():
        c = db.session.get(Campaign, cross)
        assert [g.weight for g in c.rater_groups] == [0.6, 0.2, 0.2]
        assert c.min_group_size == 6 and c.name == "改名"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.update"))
        assert entry.detail["after"]["weight.upper"] == 0.6


def test_hand_editing_assignments(demo, cross, client, auth):
    login(auth, "district_admin")
    page = f"/campaigns/{cross}/assignments"
    csrf = token(client, page)
    with demo.app_context():
        peer = db.session.scalar(select(RaterGroup.id).where(RaterGroup.campaign_id == cross,
                                                             RaterGroup.key == "peer"))
    before = count(demo, Assignment)
    added = client.post(f"{page}/add", data={"csrf_token": csrf, "group": peer,
                                             "target": "DEMO-G05", "rater": "DEMO-G09"})
    assert added.status_code == 302
    assert count(demo, Assignment) == before + 1
    itself = client.post(f"{page}/add", data={"csrf_token": csrf, "group": peer,
                                              "target": "DEMO-G05", "rater": "DEMO-G05"},
                         follow_redirects=True)
    assert "cannot rate itself" in itself.get_data(as_text=True)
    with demo.app_context():
        manual = db.session.scalar(select(Assignment.id).where(Assignment.source == "manual"))
    assert client.post(f"{page}/{manual}/remove", data={"csrf_token": csrf}).status_code == 302
    assert count(demo, Assignment) == before
    other = assignment_id(demo, cross, "upper")
    client.post(f"/campaigns/{cross}/state", data={"csrf_token": csrf, "to": "open"})
    assert status_of(demo, cross) == "open"
    assert client.post(f"{page}/{other}/remove", data={"csrf_token": csrf}).status_code == 409
    assert count(demo, Assignment) == before
    csv = client.get(f"/campaigns/{cross}/assignments.csv").get_data(as_text=True)
    assert csv.lstrip("\ufeff").startswith("rater_code,target_code,rater_group\n")
    assert csv.count("\n") == before + 1


def test_other_admins_cannot_touch_assignments(demo, cross, client, auth):
    login(auth, "g01_admin")
    csrf = token(client, "/orgs/")
    some = assignment_id(demo, cross, "upper")
    assert client.post(f"/campaigns/{cross}/assignments/{some}/remove",
                       data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/campaigns/{cross}/assignments/generate",
                       data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"/campaigns/{cross}/state",
                       data={"csrf_token": csrf, "to": "open"}).status_code == 403
    assert client.post(f"/campaigns/{cross}/assignments/add",
                       data={"csrf_token": csrf, "group": 1, "target": "DEMO-G01",
                             "rater": "DEMO-G02"}).status_code == 403
    assert status_of(demo, cross) == "draft"


def _checked(html, name, value):
    return re.search(rf'<input[^>]*(name="{name}"[^>]*value="{value}"[^>]*checked|'
                     rf'checked[^>]*name="{name}"[^>]*value="{value}"|'
                     rf'id="[^"]*"[^>]*name="{name}"[^>]*type="radio"[^>]*value="{value}"'
                     rf'[^>]*checked)', html)


def test_my_evaluations_and_revisions(demo, open_cross, client, auth):
    from survey_app.questionnaire_versions import questionnaire_of

    login(auth, "evaluator_g01")
    listing = client.get("/evaluations/").get_data(as_text=True)
    with demo.app_context():
        mine = db.session.scalars(select(Assignment.id).where(
            Assignment.campaign_id == open_cross,
            Assignment.rater_org_id == org("DEMO-G01").id)).all()
        a = db.session.get(Assignment, assignment_id(demo, open_cross, "lower", "DEMO-G01"))
        q = questionnaire_of(a.rater_group.questionnaire_version)
        a_id = a.id
    assert len(mine) == 3 + 1 + 3  # its branches (upper), D01 (lower), three peers
    assert all(f"/evaluations/{i}" in listing for i in mine)
    items = q.scored_items()
    first, last = items[0], items[-1]
    html = client.get(f"/evaluations/{a_id}").get_data(as_text=True)
    # Missing answers: 422, the given answer stays checked, and a draft keeps it.
    partial = {"csrf_token": csrf_token_from(html), first.id: first.scale.points[0].code,
               "action": "submit"}
    response = client.post(f"/evaluations/{a_id}", data=partial)
    assert response.status_code == 422
    assert _checked(response.get_data(as_text=True), first.id, first.scale.points[0].code)
    assert count(demo, Draft) == 1
    assert client.post(f"/evaluations/{a_id}", data=partial | {"action": "save"}
                       ).status_code == 302
    resumed = client.get(f"/evaluations/{a_id}").get_data(as_text=True)
    assert _checked(resumed, first.id, first.scale.points[0].code)
    # Submit, then revise: two revisions, the latest counts.
    full = {"csrf_token": partial["csrf_token"], "action": "submit"}
    full |= {i.id: i.scale.points[0].code for i in items}
    assert client.post(f"/evaluations/{a_id}", data=full).status_code == 302
    revised = full | {last.id: last.scale.points[-1].code}
    assert client.post(f"/evaluations/{a_id}", data=revised).status_code == 302
    with demo.app_context():
        subs = db.session.scalars(select(Submission).where(Submission.assignment_id == a_id)
                                  .order_by(Submission.revision)).all()
        assert [(s.revision, s.current) for s in subs] == [(1, False), (2, True)]
        assert all(s.submitted_by_id == user("evaluator_g01").id for s in subs)
        assert db.session.get(Response, subs[0].response_id).answers[last.id] == \
            last.scale.points[0].code
        assert db.session.get(Response, subs[1].response_id).answers[last.id] == \
            last.scale.points[-1].code
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    # The form opens with the current revision's answers.
    reopened = client.get(f"/evaluations/{a_id}").get_data(as_text=True)
    assert _checked(reopened, last.id, last.scale.points[-1].code)
    # Closing freezes the answers.
    set_status(demo, open_cross, "closed")
    assert client.post(f"/evaluations/{a_id}", data=revised).status_code == 409
    assert count(demo, Submission) == 2


def test_evaluators_reach_only_their_own_assignments(demo, open_cross, client, auth):
    other = assignment_id(demo, open_cross, "upper", rater_code="DEMO-D01")
    login(auth, "evaluator_g01")
    csrf = token(client, "/evaluations/")
    for response in (client.get(f"/evaluations/{other}"),
                     client.post(f"/evaluations/{other}", data={"csrf_token": csrf})):
        assert response.status_code == 404
        assert b"DEMO-G0" not in response.data
    assert client.get("/evaluations/99999").status_code == 404
    auth.logout()
    login(auth, "assessor")
    assert client.get(f"/evaluations/{other}").status_code == 404
    assert "/evaluations/" + str(other) not in client.get("/evaluations/").get_data(as_text=True)
    auth.logout()
    login(auth, "district_admin")  # an admin is not a rater
    assert client.get(f"/evaluations/{other}").status_code == 403
    assert client.get("/evaluations/").status_code == 403


def test_draft_campaigns_are_hidden_from_raters(demo, cross, client, auth):
    a = assignment_id(demo, cross, "lower", rater_code="DEMO-G01")
    login(auth, "evaluator_g01")
    assert f"/evaluations/{a}" not in client.get("/evaluations/").get_data(as_text=True)
    assert client.get(f"/evaluations/{a}").status_code == 404


def _submit_directly(app, a_id):
    from survey_app.answering import pack_item_values
    from survey_app.evaluations.operations import store_submission
    from survey_app.questionnaire_versions import questionnaire_of

    with app.app_context():
        assignment = db.session.get(Assignment, a_id)
        q = questionnaire_of(assignment.rater_group.questionnaire_version)
        answers = {i.id: i.scale.points[0].code for i in q.scored_items()}
        text_field = next(f.id for f in q.fields() if f.type == "text")
        answers[text_field] = "只给平台管理员看"
        store_submission(assignment, answers, pack_item_values(q, answers))
        db.session.commit()


def test_named_answers_only_for_platform_admins(demo, open_cross, client, auth):
    a = assignment_id(demo, open_cross, "upper", rater_code="DEMO-D01", target_code="DEMO-G01")
    _submit_directly(demo, a)
    path = f"/campaigns/{open_cross}/assignments/{a}/answers"
    for username in ("city_admin", "district_admin", "g01_admin", "evaluator_d01"):
        login(auth, username)
        response = client.get(path)
        assert response.status_code == 403, username
        assert "只给平台管理员看" not in response.get_data(as_text=True)
        auth.logout()
    login(auth, "admin")
    page = client.get(path)
    assert page.status_code == 200 and "只给平台管理员看" in page.get_data(as_text=True)


def test_targets_see_aggregates_only_after_publishing(demo, open_cross, client, auth):
    a = assignment_id(demo, open_cross, "upper", rater_code="DEMO-D01", target_code="DEMO-G01")
    _submit_directly(demo, a)
    path = f"/campaigns/{open_cross}/results/{org_id(demo, 'DEMO-G01')}"
    login(auth, "g01_admin")
    assert client.get(path).status_code == 403
    set_status(demo, open_cross, "published")
    page = client.get(path)
    assert page.status_code == 200
    assert "只给平台管理员看" not in page.get_data(as_text=True)
    assert client.get(f"/campaigns/{open_cross}/results/{org_id(demo, 'DEMO-G02')}"
                      ).status_code == 403
    auth.logout()
    login(auth, "evaluator_d01")
    assert client.get(path).status_code == 403


def test_progress_and_pending_list(demo, open_cross, client, auth):
    a = assignment_id(demo, open_cross, "upper", rater_code="DEMO-D01", target_code="DEMO-G01")
    _submit_directly(demo, a)
    login(auth, "district_admin")
    detail = client.get(f"/campaigns/{open_cross}").get_data(as_text=True)
    assert "1/1" in detail  # G01's upper group: one of one submitted
    pending = client.get(f"/campaigns/{open_cross}/assignments?status=pending")
    rows = pending.get_data(as_text=True).count("<tr>") - 1
    assert rows == count(demo, Assignment) - 1


def test_named_accounts_see_only_their_own_rows(demo, open_cross, client, auth):
    """A unit's management representative (an evaluator account of G01 named as a rater)
    does not act for the G01 union in the cross campaign."""
    from survey_app.campaigns.operations import create_campaign, generate_assignments, transition
    from survey_app.models import Role, User

    with demo.app_context():
        rep = User(username="mgmt_g01", role=Role.EVALUATOR.value,
                   organisation=org("DEMO-G01"))
        rep.set_password("pw-mgmt")
        db.session.add(rep)
        db.session.commit()
        four = create_campaign({
            "code": "T-FOUR", "name": "四方", "kind": "four_party", "year": 2026,
            "owner": "DEMO-D01", "targets": {"list": ["DEMO-G01"]},
            "rater_groups": [{"key": "management", "name": "行政", "weight": 1,
                              "questionnaire": "four_party_management", "rule": "named",
                              "accounts": {"DEMO-G01": ["mgmt_g01"]}}]})
        generate_assignments(four)
        transition(four, "open")
        named = db.session.scalar(select(Assignment.id).where(
            Assignment.campaign_id == four.id))
    cross_row = assignment_id(demo, open_cross, "lower", rater_code="DEMO-G01")
    assert auth.login("mgmt_g01", "pw-mgmt").status_code == 302
    listing = client.get("/evaluations/").get_data(as_text=True)
    assert f"/evaluations/{named}" in listing and f"/evaluations/{cross_row}" not in listing
    assert client.get(f"/evaluations/{cross_row}").status_code == 404
    assert client.get(f"/evaluations/{named}").status_code == 200
    auth.logout()
    login(auth, "evaluator_g01")  # the union's own evaluator still fills the cross row
    assert client.get(f"/evaluations/{cross_row}").status_code == 200
    assert client.get(f"/evaluations/{named}").status_code == 404


def test_form_text_fields_parse_like_the_yaml_file():
    from survey_app.campaigns.forms import _codes, _mapping

    assert _codes("DEMO-G01, DEMO-G02，DEMO-G03\nDEMO-G04；DEMO-G05") == [
        "DEMO-G01", "DEMO-G02", "DEMO-G03", "DEMO-G04", "DEMO-G05"]
    assert _mapping("assessor_b: DEMO-D01, DEMO-G20\nassessor_c：DEMO-I01\n\n") == {
        "assessor_b": ["DEMO-D01", "DEMO-G20"], "assessor_c": ["DEMO-I01"]}


def test_create_third_party_on_the_web(assessors, client, auth):
    login(auth, "city_admin")
    data = _new_form(client) | {
        "code": "W-THIRD", "kind": "third_party", "owner": "DEMO-CITY", "target_root": "",
        "groups-0-key": "assessors", "groups-0-questionnaire": "third_party",
        "groups-0-rule": "third_party", "groups-0-peers_per_target": "",
        "groups-0-assessors": "assessor, assessor_b\nassessor_c",
        "groups-0-conflicts": "assessor_b: DEMO-D01"}
    assert client.post("/campaigns/new", data=data).status_code == 302
    with assessors.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.code == "W-THIRD"))
        assert len(c.targets) == 44
        assert c.rater_groups[0].settings["conflicts"] == {"assessor_b": ["DEMO-D01"]}
        campaign_id = c.id
    csrf = token(client, f"/campaigns/{campaign_id}/assignments")
    generated = client.post(f"/campaigns/{campaign_id}/assignments/generate",
                            data={"csrf_token": csrf}, follow_redirects=True)
    assert "44" in generated.get_data(as_text=True)
    csv = client.get(f"/campaigns/{campaign_id}/assignments.csv").get_data(as_text=True)
    assert {line.split(",")[0] for line in csv.splitlines()[1:]} == {
        "assessor", "assessor_b", "assessor_c"}
