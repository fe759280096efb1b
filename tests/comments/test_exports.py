"""Raw exports (CSV, SPSS) carry the answers the item columns leave out: the 0-10
``recommend``, the ``overall_why`` choices, and free text only as released, masked comments;
"不了解/不适用" is its own labelled code (99, user-missing in SPSS), not a blank."""

from __future__ import annotations

import io

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Campaign, Response
from tests.comments.test_review import NAMED, _item, _login, world  # noqa: F401
from tests.conftest import csrf_token_from


@pytest.fixture
def admin(world, demo):  # noqa: F811
    from survey_app.reports import queries as util

    util._reports.clear()
    return _login(demo, "admin", "demo-admin-2026")


def _csv(client) -> pd.DataFrame:
    r = client.get("/reports/TEST-DISC/export.csv")
    assert r.status_code == 200
    return pd.read_csv(io.BytesIO(r.data), encoding="utf-8-sig", keep_default_na=False,
                       dtype=str)


def test_csv_has_recommend_reasons_and_only_released_masked_text(admin, world, demo):  # noqa: F811
    df = _csv(admin)
    assert "recommend" in df.columns and "overall_why_no_voice" in df.columns
    assert set(df["target_code"]) == {"DEMO-G03"}
    with demo.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "TEST-DISC"))
        stored = db.session.scalars(select(Response).where(
            Response.campaign_id == campaign.id, Response.target_id == world["g03"])).all()
        expected = sorted(str(r.answers["recommend"]) for r in stored
                          if r.answers.get("recommend") is not None)
    assert sorted(v for v in df["recommend"] if v != "") == expected
    assert (df["improve"] == "").all()  # nothing released yet: no free text leaves

    page = admin.get(f"/comments/{world['campaign_id']}").get_data(as_text=True)
    admin.post(f"/comments/{world['campaign_id']}/review", data={
        **_item(page, NAMED), "decision": "release", "masked_text": "工会主席[姓名]不作为",
        "csrf_token": csrf_token_from(page)})
    df = _csv(admin)
    assert list(df.loc[df["improve"] != "", "improve"]) == ["工会主席[姓名]不作为"]
    assert not df.apply(lambda col: col.str.contains("张三|13812345678")).any().any()


def test_not_applicable_is_its_own_labelled_code_in_csv_and_spss(admin, tmp_path):
    df = _csv(admin)
    na_rows = df[df["org_elect_label"] == "不了解/不适用"]
    assert len(na_rows) > 0 and set(na_rows["org_elect"]) == {"99"}
    path = tmp_path / "x.sav"
    path.write_bytes(admin.get("/reports/TEST-DISC/export.sav").data)
    sav, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.variable_value_labels["org_elect"][99.0] == "不了解/不适用"
    assert (sav["org_elect"] == 99).sum() == len(na_rows)
    assert meta.missing_ranges["org_elect"] == [{"lo": 99.0, "hi": 99.0}]
    assert "recommend" in sav.columns
    assert meta.variable_value_labels["overall_why_no_voice"] == {0.0: "未选", 1.0: "选中"}
