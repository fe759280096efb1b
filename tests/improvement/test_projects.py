"""建家 projects (项目化管理): a goal tied to the 六有 items, dated tasks down to a person, the
unit's own actions, and a timeline rendered on the server."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from survey_app.dates import today
from survey_app.errors import Conflict, NotAllowed
from survey_app.extensions import db
from survey_app.improvement import operations as ops
from survey_app.improvement import queries as q
from survey_app.models import AuditEntry, Organisation, User
from survey_app.models.improvement import ImprovementAction
from survey_app.models.project import HomeProject, ProjectTask
from tests.conftest import Auth, csrf_token_from


def org(code):
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def _project(year=None):
    return ops.create_project(user("g01_admin"), org("DEMO-G01"), year=year or today().year,
                              title="职工书屋提档升级", goal="书屋藏书翻一番", goal_item="venue",
                              owner_name="李晓梅")


def test_a_project_holds_dated_tasks_down_to_a_person(demo):
    with demo.app_context():
        project = _project()
        year = project.year
        ops.add_task(user("g01_admin"), project, title="采购新书", owner_name="王强",
                     starts_on=date(year, 3, 1), due_on=date(year, 4, 30))
        ops.add_task(user("g01_admin"), project, title="延长开放时间", owner_name="张建华",
                     starts_on=date(year, 7, 1), due_on=date(year + 1, 2, 28))
        db.session.commit()
        first, second = project.tasks
        assert project.progress == 0.0
        ops.complete_task(user("g01_admin"), first, on=date(year, 4, 20))
        with pytest.raises(Conflict):
            ops.complete_task(user("g01_admin"), first)
        assert project.progress == 0.5
        bars = q.timeline(project, on=date(year, 8, 1))
        assert [b.state for b in bars] == ["done", "running"]
        # March 1st to April 30th: day 59 (60 in a leap year) for 61 days of the year
        days = 366 if year % 4 == 0 else 365
        assert bars[0].left == pytest.approx(round((date(year, 3, 1) - date(year, 1, 1)).days
                                                   / days * 100, 2))
        assert bars[0].width == pytest.approx(round(61 / days * 100, 2))
        # the second task runs into the next year: its bar stops at the year's end
        assert bars[1].left + bars[1].width == pytest.approx(100, abs=0.01)
        assert q.timeline(project, on=date(year + 1, 3, 1))[1].state == "overdue"
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action.like("project.%")))]
        assert actions == ["project.created", "project.task_added", "project.task_added",
                           "project.task_done"]


@pytest.mark.parametrize(("values", "field"), [
    ({"title": " "}, "title"), ({"owner_name": ""}, "owner_name"),
    ({"goal_item": "guessed"}, "goal_item"), ({"year": 1999}, "year")])
def test_a_project_needs_a_name_an_owner_and_a_goal_item(demo, values, field):
    with demo.app_context():
        args = {"year": today().year, "title": "书屋", "goal": "", "goal_item": "venue",
                "owner_name": "李晓梅"} | values
        with pytest.raises(ops.ActionProblem) as err:
            ops.create_project(user("g01_admin"), org("DEMO-G01"), **args)
        assert err.value.field == field


def test_tasks_start_in_the_projects_year_and_end_after_they_start(demo):
    with demo.app_context():
        project = _project()
        y = project.year
        with pytest.raises(ops.ActionProblem) as err:
            ops.add_task(user("g01_admin"), project, title="x", owner_name="王强",
                         starts_on=date(y - 1, 12, 1), due_on=date(y, 1, 5))
        assert err.value.field == "starts_on"
        with pytest.raises(ops.ActionProblem) as err:
            ops.add_task(user("g01_admin"), project, title="x", owner_name="王强",
                         starts_on=date(y, 5, 1), due_on=date(y, 4, 1))
        assert err.value.field == "due_on"
        with pytest.raises(ops.ActionProblem) as err:
            ops.add_task(user("g01_admin"), project, title="x", owner_name=" ",
                         starts_on=date(y, 5, 1), due_on=date(y, 6, 1))
        assert err.value.field == "owner_name"


def test_only_the_units_union_or_above_manages_its_projects(demo):
    with demo.app_context():
        for name in ("district_admin", "admin"):
            ops.create_project(user(name), org("DEMO-G01"), year=today().year, title="书屋",
                               goal="", goal_item="venue", owner_name="李晓梅")
        with pytest.raises(NotAllowed):
            ops.create_project(user("g01_admin"), org("DEMO-G02"), year=today().year,
                               title="书屋", goal="", goal_item="venue", owner_name="李晓梅")


def test_only_the_units_accepted_actions_serve_its_projects(demo):
    with demo.app_context():
        project = _project()
        mine = ImprovementAction(organisation_id=org("DEMO-G01").id, source_kind="manual",
                                 title="书屋延时开放", owner_name="王强", status="planned",
                                 due_on=today() + timedelta(days=30))
        suggested = ImprovementAction(organisation_id=org("DEMO-G01").id, source_kind="item",
                                      title="建议", status="suggested")
        other = ImprovementAction(organisation_id=org("DEMO-G02").id, source_kind="manual",
                                  title="别家", status="planned")
        db.session.add_all([mine, suggested, other])
        db.session.flush()
        ops.link_action(user("g01_admin"), project, mine)
        assert q.project_actions(project) == [mine]
        for refused in (suggested, other):
            with pytest.raises(ops.ActionProblem):
                ops.link_action(user("g01_admin"), project, refused)


def test_project_pages_keep_what_was_typed_and_show_the_timeline(demo):
    client = demo.test_client()
    Auth(client).login("g01_admin", "demo-g01-2026")
    page = client.get("/improvement/unit/DEMO-G01/projects")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    bad = client.post("/improvement/unit/DEMO-G01/projects", data={
        "csrf_token": token, "pr-title": "职工书屋提档升级", "pr-goal_item": "venue",
        "pr-goal": "书屋藏书翻一番", "pr-owner_name": "", "pr-year": str(today().year)})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "职工书屋提档升级" in html and "书屋藏书翻一番" in html
    made = client.post("/improvement/unit/DEMO-G01/projects", data={
        "csrf_token": token, "pr-title": "职工书屋提档升级", "pr-goal_item": "venue",
        "pr-goal": "书屋藏书翻一番", "pr-owner_name": "李晓梅", "pr-year": str(today().year)})
    assert made.status_code == 302
    path = made.headers["Location"]
    y = today().year
    added = client.post(path + "/tasks", data={
        "csrf_token": token, "t-title": "采购新书", "t-owner_name": "王强",
        "t-starts_on": f"{y}-03-01", "t-due_on": f"{y}-02-01"})
    assert added.status_code == 400 and "采购新书" in added.get_data(as_text=True)
    added = client.post(path + "/tasks", data={
        "csrf_token": token, "t-title": "采购新书", "t-owner_name": "王强",
        "t-starts_on": f"{y}-03-01", "t-due_on": f"{y}-04-30"})
    assert added.status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "采购新书 · 王强" in html and '<svg class="timeline-track"' in html
    assert 'style="' not in html.split("<main", 1)[1]  # the CSP allows no inline style
    with demo.app_context():
        task = db.session.scalar(select(ProjectTask))
        task_id = task.id
    assert client.post(f"/improvement/task/{task_id}/done",
                       data={"csrf_token": token}).status_code == 302
    with demo.app_context():
        assert db.session.get(ProjectTask, task_id).done_on == today()
        assert db.session.scalar(select(HomeProject)).progress == 1.0
    # another grassroots union reads nothing of it
    other = demo.test_client()
    Auth(other).login("lead_g02", "demo-lead-g02-2026")
    assert other.get(path).status_code == 403
    assert other.get("/improvement/unit/DEMO-G01/projects").status_code == 403
