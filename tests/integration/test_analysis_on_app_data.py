"""The contract between the app and the analysis library: what the member path and the demo
store is what the app's loader reads, and the numbers agree with the answers."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from analysis.indices import unit_indices
from analysis.scoring import score_campaign
from questionnaires import library
from survey_app.extensions import db
from survey_app.models import Campaign, Organisation, Response
from survey_app.reports.loading import load_campaign
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID


def test_load_campaign_reads_what_the_member_path_stored(demo, client, codes):
    for code, q1 in zip(codes[:3], ["satisfied", "basic", "dissatisfied"], strict=True):
        token = csrf_token_from(client.get(f"/s/{code}").get_data(as_text=True))
        answers = dict(VALID, q1=q1, q2="太慢") if q1 == "dissatisfied" else dict(VALID, q1=q1)
        assert client.post(f"/s/{code}", data={"csrf_token": token, "action": "submit", **answers}).status_code == 302
    with demo.app_context():
        data = load_campaign(db.engine, "TEST-MEMBER")
        g01 = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-G01"))
    frame = data.responses
    assert len(frame) == 3
    assert set(frame["target_code"]) == {"DEMO-G01"} and set(frame["target_id"]) == {g01.id}
    assert sorted(frame["q1"].tolist()) == [1, 2, 3]  # sat3 values of the three answers
    assert frame["m1"].tolist() == [3, 3, 3] and frame["m2"].tolist() == [2, 2, 2]
    scored = score_campaign(data)
    # q1 is alone in its dimension: 100, 50 and 0 on the 0-100 scale (sat3: 1..3).
    assert sorted(scored["dim:services"].tolist()) == [0.0, 50.0, 100.0]
    assert np.allclose(scored["dim:home"], 75.0)  # m1 = 100, m2 = 50


def test_demo_campaign_loads_and_scores(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        data = load_campaign(db.engine, "DEMO-MEMBER-2026")
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "DEMO-MEMBER-2026"))
        stored = db.session.scalar(select(db.func.count()).select_from(Response)
                                   .where(Response.campaign_id == campaign.id))
        sample = db.session.scalars(select(Response).where(Response.campaign_id == campaign.id).limit(20)).all()
    assert len(data.responses) == stored
    items = [i.id for i in library()["member_evaluation"].scored_items()]
    assert set(items) <= set(data.responses.columns)
    by_id = data.responses.set_index("response_id")
    for r in sample:  # the packed values agree with the JSON answers, item by item
        version = library()["member_evaluation"]
        for item in version.scored_items():
            answer = r.answers.get(item.id)
            expected = -1 if answer is None else -2 if answer == "na" else item.scale.point(answer).value
            assert by_id.loc[r.id, item.id] == expected
    indices = unit_indices(score_campaign(data))
    assert (indices["overall"].between(0, 100)).all()
    assert pd.notna(indices["satisfaction_rate"]).all()


# DEMO-FOUR: four versions of one width (read in one COPY, versions interleaved);
# DEMO-CROSS: versions of different widths (one COPY per version).
@pytest.mark.parametrize("code", ["DEMO-FOUR-2026", "DEMO-CROSS-2026"])
def test_postgresql_copy_path_gives_the_same_frame_as_a_cursor(app, runner, monkeypatch, code):
    """On PostgreSQL the campaign is read with a binary COPY; it must equal the cursor read."""

    from survey_app.reports import loading as data_module
    from tests.conftest import on_postgresql

    if not on_postgresql():
        pytest.skip("the COPY path is PostgreSQL's")
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
        versions = sorted({g.questionnaire_version_id for g in campaign.rater_groups})
        with db.engine.connect() as conn:  # the COPY path really is taken
            assert data_module._copy_binary(conn, campaign.id, versions) is not None
        copied = load_campaign(db.engine, code)
        monkeypatch.setattr(data_module, "_copy_binary", lambda conn, cid, versions: None)
        fetched = load_campaign(db.engine, code)
    key = ["questionnaire_version_id", "response_id"]
    a = copied.responses.sort_values(key).reset_index(drop=True)
    b = fetched.responses.sort_values(key).reset_index(drop=True)
    assert len(a) > 100 and a["questionnaire_version_id"].nunique() >= 2
    pd.testing.assert_frame_equal(a, b)
