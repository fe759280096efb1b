"""``flask campaign ...`` and ``flask assignments export``."""

from __future__ import annotations

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Assignment, AuditEntry, Campaign, QuestionnaireVersion
from tests.campaigns.conftest import CROSS_YAML, THIRD_YAML, campaign_by_code


def write(tmp_path, text, name="campaign.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Campaign, Assignment, QuestionnaireVersion))


def test_create_generates_and_exports(demo, runner, tmp_path):
    result = runner.invoke(args=["campaign", "create", write(tmp_path, CROSS_YAML)])
    assert result.exit_code == 0, result.output
    assert "created campaign T-CROSS (cross, 42 targets, 3 rater groups)" in result.output
    assert "generated 157 assignments (upper 42, lower 41, peer 74)" in result.output
    out = tmp_path / "a.csv"
    result = runner.invoke(args=["assignments", "export", "--campaign", "T-CROSS",
                                 "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "rater_code,target_code,rater_group"
    assert "DEMO-CITY,DEMO-D01,upper" in lines and "DEMO-G01,DEMO-D01,lower" in lines
    with demo.app_context():
        assert len(lines) - 1 == db.session.scalar(select(func.count()).select_from(Assignment))
    stdout = runner.invoke(args=["assignments", "export", "--campaign", "T-CROSS"])
    assert stdout.output.splitlines() == lines
    listed = runner.invoke(args=["campaign", "list"])
    assert "T-CROSS" in listed.output and "draft" in listed.output


def test_create_third_party_exports_usernames(assessors, runner, tmp_path):
    result = runner.invoke(args=["campaign", "create", write(tmp_path, THIRD_YAML)])
    assert result.exit_code == 0, result.output
    assert "generated 44 assignments (assessors 44)" in result.output
    out = runner.invoke(args=["assignments", "export", "--campaign", "T-THIRD"]).output
    raters = {line.split(",")[0] for line in out.splitlines()[1:]}
    assert raters == {"assessor", "assessor_b", "assessor_c"}


def test_bad_files_name_the_problem_and_write_nothing(demo, runner, tmp_path):
    before = counts(demo)
    bad_weight = CROSS_YAML.replace("weight: 0.2", "weight: 0.25")
    result = runner.invoke(args=["campaign", "create", write(tmp_path, bad_weight)])
    assert result.exit_code == 1
    assert "campaign.yaml: the rater group weights sum to 1.05" in result.output
    bad_q = CROSS_YAML.replace("questionnaire: peer_evaluation", "questionnaire: peer_eval")
    bad_q = bad_q.replace("owner: DEMO-D01", "owner: DEMO-X")
    result = runner.invoke(args=["campaign", "create", write(tmp_path, bad_q)])
    assert result.exit_code == 1
    assert "owner: no unit with code 'DEMO-X'" in result.output
    assert "rater group peer: no questionnaire 'peer_eval' in the library" in result.output
    result = runner.invoke(args=["campaign", "create", write(tmp_path, "code: [unclosed")])
    assert result.exit_code == 1 and "not valid YAML" in result.output
    result = runner.invoke(args=["campaign", "create", write(tmp_path, "- a list")])
    assert result.exit_code == 1 and "must be a mapping" in result.output
    no_assessors = THIRD_YAML  # assessor_b and assessor_c do not exist here
    result = runner.invoke(args=["campaign", "create", write(tmp_path, no_assessors)])
    assert result.exit_code == 1 and "no account named assessor_b, assessor_c" in result.output
    assert counts(demo) == before
    runner.invoke(args=["campaign", "create", write(tmp_path, CROSS_YAML)])
    again = runner.invoke(args=["campaign", "create", write(tmp_path, CROSS_YAML)])
    assert again.exit_code == 1 and "a campaign 'T-CROSS' already exists" in again.output


def test_lifecycle_commands(demo, runner, tmp_path):
    runner.invoke(args=["campaign", "create", write(tmp_path, CROSS_YAML)])
    assert "is now open" in runner.invoke(args=["campaign", "open", "T-CROSS"]).output
    bad = runner.invoke(args=["campaign", "publish", "T-CROSS"])
    assert bad.exit_code == 1 and "cannot go from open to published" in bad.output
    runner.invoke(args=["campaign", "close", "T-CROSS"])
    no_reason = runner.invoke(args=["campaign", "reopen", "T-CROSS", "--as", "admin"])
    assert no_reason.exit_code == 1 and "needs a reason" in no_reason.output
    not_admin = runner.invoke(args=["campaign", "reopen", "T-CROSS", "--as", "city_admin",
                                    "--reason", "x"])
    assert not_admin.exit_code == 1 and "only a platform admin" in not_admin.output
    ok = runner.invoke(args=["campaign", "reopen", "T-CROSS", "--as", "admin",
                             "--reason", "两个单位迟交"])
    assert ok.exit_code == 0, ok.output
    regenerate = runner.invoke(args=["assignments", "generate", "--campaign", "T-CROSS"])
    assert regenerate.exit_code == 1 and "only while it is draft" in regenerate.output
    missing = runner.invoke(args=["assignments", "export", "--campaign", "NOPE"])
    assert missing.exit_code == 1 and "no campaign with code 'NOPE'" in missing.output
    with demo.app_context():
        assert campaign_by_code("T-CROSS").status == "open"
        reopen = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.reopen"))
        assert reopen.detail["reason"] == "两个单位迟交" and reopen.user_id is not None
