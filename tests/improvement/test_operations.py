"""Improvement actions: suggestions from published figures, the plan rules, progress with
evidence, verification by the upper union only, the derived overdue flag, the audit trail,
and the effect in numbers (equal to analysis.trends)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from analysis import reports as R
from analysis import trends
from survey_app import dates
from survey_app.errors import Conflict, NotAllowed
from survey_app.extensions import db
from survey_app.improvement import operations as ops
from survey_app.improvement import queries as q
from survey_app.models import Campaign, Organisation, User
from survey_app.models.audit import AuditEntry
from survey_app.models.improvement import Notification

PDF = b"%PDF-1.4\n% evidence\n"


def _org(code):
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def _user(name):
    return db.session.scalar(select(User).where(User.username == name))


def _campaign(year):
    return db.session.scalar(select(Campaign).where(Campaign.code == f"TEST-MEMBER-{year}"))


def _plan(action, **over):
    values = {"title": "每月一次会员座谈", "description": "", "owner_name": "张三",
              "owner_unit": action.organisation, "due_on": date.today() + timedelta(days=60),
              "milestones": "", "target": 85.0}
    values.update(over)
    return values


def _accepted(source_kind="item"):
    g01, admin = _org("DEMO-G01"), _user("g01_admin")
    actions = ops.propose(_campaign(2025), g01, admin)
    action = next(a for a in actions if a.source_kind == source_kind)
    ops.accept(action, _plan(action), admin)
    db.session.commit()
    return action


def test_suggestions_are_the_weakest_published_items(results):
    with results.test_request_context():
        g01, campaign = _org("DEMO-G01"), _campaign(2025)
        created = ops.propose(campaign, g01, _user("g01_admin"))
        figures = q.published_figures(campaign, g01)
        weakest = figures.items.sort_values("rate").head(q.SUGGESTED_ITEMS)
        items = [a for a in created if a.source_kind == "item"]
        assert [a.source_ref for a in items] == list(weakest["item"])
        assert [a.baseline for a in items] == pytest.approx(list(weakest["rate"]))
        assert all(a.status == "suggested" for a in created)
        # proposing again adds nothing
        assert ops.propose(campaign, g01, _user("g01_admin")) == []


def test_a_withheld_unit_gets_no_suggestion(results):
    with results.test_request_context():
        g02 = _org("DEMO-G02")
        assert q.published_figures(_campaign(2025), g02) is None
        assert ops.propose(_campaign(2025), g02, _user("district_admin")) == []


@pytest.mark.parametrize(("field", "over"), [
    ("owner_name", {"owner_name": "  "}),
    ("due_on", {"due_on": None}),
    ("due_on", {"due_on": date.today() - timedelta(days=1)}),
    ("title", {"title": ""}),
])
def test_a_plan_needs_an_owner_and_a_due_date_not_in_the_past(results, field, over):
    with results.test_request_context():
        g01 = _org("DEMO-G01")
        action = ops.propose(_campaign(2025), g01, _user("g01_admin"))[0]
        with pytest.raises(ops.ActionProblem) as err:
            ops.accept(action, _plan(action, **over), _user("g01_admin"))
        assert err.value.field == field
        assert action.status == "suggested"


def test_the_responsible_unit_lies_in_the_unit(results):
    with results.test_request_context():
        action = ops.propose(_campaign(2025), _org("DEMO-G01"), _user("g01_admin"))[0]
        with pytest.raises(ops.ActionProblem) as err:
            ops.accept(action, _plan(action, owner_unit=_org("DEMO-G02")), _user("g01_admin"))
        assert err.value.field == "owner_unit"


def test_a_dismissal_needs_a_reason_and_is_audited(results):
    with results.test_request_context():
        admin = _user("g01_admin")
        action = ops.propose(_campaign(2025), _org("DEMO-G01"), admin)[0]
        with pytest.raises(ops.ActionProblem):
            ops.dismiss(action, "  ", admin)
        ops.dismiss(action, "已纳入年度工作计划", admin)
        db.session.commit()
        assert action.status == "dismissed"
        assert q.supervision(_org("DEMO-D01"))["dismissed"] == [action]
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "improvement.dismissed"))
        assert entry.detail["reason"] == "已纳入年度工作计划" and entry.user_id == admin.id
        with pytest.raises(Conflict):
            ops.dismiss(action, "again", admin)


def test_another_unions_admin_may_not_propose(results):
    with results.test_request_context():
        with pytest.raises(NotAllowed):
            ops.propose(_campaign(2025), _org("DEMO-G03"), _user("g01_admin"))


def test_done_needs_evidence_of_an_accepted_type(results):
    with results.test_request_context():
        action = _accepted()
        admin, folder = _user("g01_admin"), results.config["UPLOAD_FOLDER"]
        with pytest.raises(ops.ActionProblem) as err:
            ops.progress(action, status="done", text="完成", user=admin, folder=folder)
        assert err.value.field == "evidence"
        with pytest.raises(ops.ActionProblem) as err:
            ops.progress(action, status="done", data=b"GIF89a....", filename="x.pdf",
                         user=admin, folder=folder)
        assert err.value.field == "evidence"
        with pytest.raises(ops.ActionProblem):
            ops.progress(action, status="done", data=PDF * 1000, filename="big.pdf",
                         user=admin, folder=folder, max_bytes=1024)
        note = ops.progress(action, status="done", text="座谈会已开", data=PDF,
                            filename="../纪要.pdf", user=admin, folder=folder)
        assert action.status == "done" and action.done_on == dates.today()  # the platform's date
        assert note.original_name == "纪要.pdf" and note.content_type == "application/pdf"
        with open(ops.evidence_path(folder, note), "rb") as fh:
            assert fh.read() == PDF


def test_verification_is_the_upper_unions_never_the_doers(results):
    with results.test_request_context():
        action = _accepted()
        folder = results.config["UPLOAD_FOLDER"]
        with pytest.raises(Conflict):  # not done yet
            ops.verify(action, "", _user("district_admin"))
        ops.progress(action, status="done", data=PDF, filename="a.pdf",
                     user=_user("g01_admin"), folder=folder)
        assert q.supervision(_org("DEMO-CITY"))["unverified"] == [action]
        with pytest.raises(NotAllowed):
            ops.verify(action, "", _user("g01_admin"))
        ops.verify(action, "验收合格", _user("district_admin"))
        db.session.commit()
        assert action.status == "verified" and action.verified_by.username == "district_admin"
        kinds = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                 if e.action.startswith("improvement.")]
        assert kinds[-3:] == ["improvement.accepted", "improvement.progress",
                              "improvement.verified"]


def test_overdue_is_derived_from_the_due_date(results):
    with results.test_request_context():
        action = _accepted()
        assert not action.overdue
        later = action.due_on + timedelta(days=1)
        assert action.is_overdue(later)
        assert q.supervision(_org("DEMO-D01"), later)["overdue"] == [action]
        action.status = "done"
        assert not action.is_overdue(later)


def test_digest_notifies_the_responsible_and_the_upper_union_once_a_day(results):
    with results.test_request_context():
        action = _accepted()
        late = action.due_on + timedelta(days=3)
        made = ops.record_digest(late)
        db.session.commit()
        rows = db.session.scalars(select(Notification)).all()
        users = {(n.kind, db.session.get(User, n.user_id).username) for n in rows}
        g01_admins = {u.username for u in db.session.scalars(select(User).where(
            User.role == "union_admin", User.organisation_id == action.organisation_id))}
        assert "g01_admin" in g01_admins
        assert users == {("action_overdue", name) for name in g01_admins | {"district_admin"}}
        assert made == len(users) and ops.record_digest(late) == 0


def test_effect_of_a_dimension_action_equals_year_over_year(results):
    with results.test_request_context():
        action = _accepted("ipa")
        effect = q.effect_of(action)
        assert effect is not None and effect.campaign.year == 2026
        before = q.published_figures(_campaign(2025), action.organisation)
        after = q.published_figures(_campaign(2026), action.organisation)
        metric = "dim:" + action.source_ref
        yoy = trends.year_over_year(
            before.report.scored.assign(code=before.report.data.organisations.set_index("id")
                                        .loc[before.report.scored["target_id"], "code"].to_numpy()),
            after.report.scored.assign(code=after.report.data.organisations.set_index("id")
                                       .loc[after.report.scored["target_id"], "code"].to_numpy()),
            by="code", metrics=[metric])
        yoy = yoy[(yoy["code"] == "DEMO-G01") & (yoy["metric"] == metric)].iloc[0]
        assert effect.before == pytest.approx(yoy["previous"])
        assert effect.after == pytest.approx(yoy["current"])
        assert effect.p_value == pytest.approx(yoy["p_value"])
        assert effect.significant == bool(yoy["significant"])
        # and the figures are the reports' own published dimension indices
        uid = before.report.unit_id("DEMO-G01")
        assert effect.before == pytest.approx(R.dimension_scores(before.report, uid)
                                              .at[action.source_ref, "index"])
        assert action.baseline == pytest.approx(effect.before)


def test_effect_of_an_item_action_uses_the_two_proportion_test(results):
    with results.test_request_context():
        action = _accepted("item")
        effect = q.effect_of(action)
        a = q.published_figures(_campaign(2025), action.organisation).items.set_index("item")
        b = q.published_figures(_campaign(2026), action.organisation).items.set_index("item")
        ra, rb = a.loc[action.source_ref], b.loc[action.source_ref]
        _, p = trends.two_proportion_z(ra["n_satisfied"], ra["n_valid"],
                                       rb["n_satisfied"], rb["n_valid"])
        assert (effect.before, effect.after) == pytest.approx((ra["rate"], rb["rate"]))
        assert effect.p_value == pytest.approx(float(p))
        assert effect.target_met == (rb["rate"] * 100 >= action.target)
