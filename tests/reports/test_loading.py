"""The app's loader on a campaign database built with plain SQL.

The tests run on SQLite always, and on PostgreSQL too when ``TEST_DATABASE_URL`` is set
(e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); there each run uses its own
schema, dropped afterwards, and the responses are read with a binary COPY.
"""

from __future__ import annotations

import json
import os
import uuid

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from analysis.data import campaign_from_columns
from survey_app.reports import loading
from survey_app.reports.loading import (
    load_campaign,
    load_checklist_findings,
    load_checklist_totals,
    load_comments,
)
from tests.analysis.conftest import (
    GROUPS,
    ORGANISATIONS,
    RESPONSES,
    SPEC_V1,
    SPEC_V2,
    campaign_columns,
    definition,
    groups_frame,
    organisations_frame,
    response_id,
    submitted_on,
)


def schema_sql(blob: str, boolean: str, json_type: str = "TEXT") -> list[str]:
    return [
        "CREATE TABLE organisations (id INTEGER PRIMARY KEY, code VARCHAR(64) UNIQUE NOT NULL, "
        "name VARCHAR(200), kind VARCHAR(32), parent_id INTEGER NULL REFERENCES organisations(id), "
        "path VARCHAR(500), depth INTEGER, members INTEGER)",
        "CREATE TABLE campaigns (id INTEGER PRIMARY KEY, code VARCHAR(64) UNIQUE NOT NULL, "
        "name VARCHAR(200), kind VARCHAR(32), year INTEGER NULL, "
        "min_group_size INTEGER DEFAULT 5, status VARCHAR(16))",
        "CREATE TABLE questionnaire_versions (id INTEGER PRIMARY KEY, key VARCHAR(64), "
        f"version VARCHAR(32), content_hash VARCHAR(64), definition {json_type})",
        "CREATE TABLE rater_groups (id INTEGER PRIMARY KEY, campaign_id INTEGER REFERENCES "
        "campaigns(id), key VARCHAR(32), name VARCHAR(100), weight FLOAT, "
        "questionnaire_version_id INTEGER REFERENCES questionnaire_versions(id), "
        f"anonymous {boolean})",
        "CREATE TABLE responses (id VARCHAR(36) PRIMARY KEY, campaign_id INTEGER REFERENCES "
        "campaigns(id), target_id INTEGER REFERENCES organisations(id), rater_group_id INTEGER "
        "REFERENCES rater_groups(id), questionnaire_version_id INTEGER REFERENCES "
        f"questionnaire_versions(id), submitted_on DATE, answers {json_type}, "
        f"item_values {blob})",
        "CREATE TABLE submissions (id INTEGER PRIMARY KEY, response_id VARCHAR(36) "
        f"REFERENCES responses(id), current {boolean})",
    ]


def _populate(engine) -> None:
    blob = "BYTEA" if engine.dialect.name == "postgresql" else "BLOB"
    boolean = "BOOLEAN" if engine.dialect.name == "postgresql" else "INTEGER"
    json_type = "JSON" if engine.dialect.name == "postgresql" else "TEXT"
    keys = ["id", "code", "name", "kind", "parent_id", "path", "depth", "members"]
    with engine.begin() as conn:
        for stmt in schema_sql(blob, boolean, json_type):
            conn.execute(text(stmt))
        conn.execute(
            text(
                "INSERT INTO organisations VALUES (:id, :code, :name, :kind, :parent_id, :path, "
                ":depth, :members)"
            ),
            [dict(zip(keys, row, strict=True)) for row in ORGANISATIONS],
        )
        conn.execute(
            text("INSERT INTO campaigns VALUES (7, 'C2026', '2026 会员评家', 'member', 2026, 3, "
                 "'closed')")
        )
        conn.execute(
            text("INSERT INTO questionnaire_versions VALUES (:id, 'q', :v, 'h', :d)"),
            [{"id": 1, "v": "1", "d": "{}"}, {"id": 2, "v": "2", "d": "{}"}],
        )
        conn.execute(
            text("INSERT INTO rater_groups VALUES (:id, 7, :key, :name, :w, :qv, :anon)"),
            [{"id": g, "key": k, "name": n, "w": w, "qv": v, "anon": a}
             for g, k, n, w, a, v in GROUPS],
        )
        rows = [
            {
                "id": response_id(i),
                "target": target,
                "group": group,
                "qv": version,
                "day": submitted_on(i).date(),
                "answers": json.dumps(answers, ensure_ascii=False),
                "blob": np.asarray(values, dtype=np.int8).tobytes(),
            }
            for i, (target, group, version, values, answers) in enumerate(RESPONSES)
        ]
        conn.execute(
            text(
                "INSERT INTO responses VALUES (:id, 7, :target, :group, :qv, :day, :answers, "
                ":blob)"
            ),
            rows,
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def campaign_engine(request, tmp_path):
    """An engine on a populated campaign database (SQLite, and PostgreSQL when configured)."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'campaign.db'}")
        _populate(engine)
        yield engine
        engine.dispose()
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL does not name a PostgreSQL database")
    schema = f"analysis_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        _populate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def specs() -> dict[int, pd.DataFrame]:
    return {1: SPEC_V1.copy(), 2: SPEC_V2.copy()}


def test_load_campaign_builds_the_tidy_frame(campaign_engine, specs):
    data = load_campaign(campaign_engine, "C2026", item_specs=specs)
    r = data.responses
    assert list(r.columns) == [
        "response_id", "target_id", "target_code", "rater_group", "questionnaire_version_id",
        "submitted_on", "a1", "a2", "b1", "c1",
    ]
    assert len(r) == 4
    assert (r[["a1", "a2", "b1", "c1"]].dtypes == np.int8).all()
    # rows are ordered by version, then id (uuid of int i+1)
    v1 = r[r["questionnaire_version_id"] == 1]
    assert v1[["a1", "a2", "b1"]].to_numpy().tolist() == [[5, 4, -2], [1, -1, 3], [3, 3, 3]]
    assert (v1["c1"] == -1).all()  # item not in version 1
    v2 = r[r["questionnaire_version_id"] == 2].iloc[0]
    assert (v2["a1"], v2["c1"], v2["a2"], v2["b1"]) == (4, 10, -1, -1)
    assert v2["target_code"] == "D2" and v2["rater_group"] == "upper"
    assert pd.api.types.is_datetime64_any_dtype(r["submitted_on"])
    assert data.min_group_size == 3 and data.year == 2026 and data.campaign_code == "C2026"
    assert list(data.groups["key"]) == ["member", "upper"]
    assert data.groups["anonymous"].tolist() == [True, False]
    assert data.groups["weight"].tolist() == [0.6, 0.4]
    assert data.organisations.set_index("id").loc[4, "path"] == "/1/2/4/"
    assert data.item_columns == ["a1", "a2", "b1", "c1"]


def test_load_campaign_accepts_a_url(tmp_path, specs):
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'x.db'}"
    _populate(create_engine(url))
    assert len(load_campaign(url, "C2026", item_specs=specs).responses) == 4


def test_unknown_campaign_and_bad_blob(campaign_engine, specs):
    with pytest.raises(ValueError, match="unknown campaign"):
        load_campaign(campaign_engine, "NOPE", item_specs=specs)
    short = {1: specs[1].iloc[:2], 2: specs[2]}
    with pytest.raises(ValueError, match="item_values length"):
        load_campaign(campaign_engine, "C2026", item_specs=short)
    with pytest.raises(ValueError, match="no item spec"):
        load_campaign(campaign_engine, "C2026", item_specs={1: specs[1]})


def test_load_comments_strips_metadata(campaign_engine):
    c = load_comments(campaign_engine, "C2026", ["comment"])
    assert list(c.columns) == ["target_id", "rater_group", "field_id", "text"]
    assert sorted(c["text"]) == ["needs a bigger room", "很好"]
    with pytest.raises(ValueError):
        load_comments(campaign_engine, "C2026", [])


def test_load_campaign_reads_specs_from_stored_definitions(campaign_engine, specs):
    import json

    from sqlalchemy import text

    pytest.importorskip("questionnaires")
    defs = {
        1: definition([("a1", "a", "agree5", False), ("a2", "a", "agree5", True),
                        ("b1", "b", "agree5", False)]),
        2: definition([("a1", "a", "agree5", False), ("c1", "c", "ten", False)]),
    }
    with campaign_engine.begin() as conn:
        for vid, d in defs.items():
            conn.execute(text("UPDATE questionnaire_versions SET definition = :d WHERE id = :id"),
                         {"d": json.dumps(d), "id": vid})
    data = load_campaign(campaign_engine, "C2026")
    assert list(data.items[1].index) == ["a1", "a2", "b1"]
    assert data.items[1].loc["a2", "reverse"]
    assert data.items[2].loc["c1", ["min", "max"]].tolist() == [0, 10]
    assert data.items[2].loc["c1", "satisfied_values"] == (9, 10)
    assert data.dimension_weights[1].to_dict() == {"a": 0.5, "b": 0.5}
    assert data.responses["c1"].tolist() == [-1, -1, -1, 10]


def test_the_loader_hands_analysis_the_stored_columns(campaign_engine, specs):
    """What the loader reads equals the campaign built from the columns that were stored."""
    loaded = load_campaign(campaign_engine, "C2026", item_specs=specs)
    built = campaign_from_columns(
        campaign_columns(), organisations=organisations_frame(), groups=groups_frame(),
        items=specs, min_group_size=3, campaign_code="C2026", year=2026,
    )
    pd.testing.assert_frame_equal(loaded.responses, built.responses)
    pd.testing.assert_frame_equal(loaded.organisations, built.organisations, check_dtype=False)
    pd.testing.assert_frame_equal(loaded.groups, built.groups)


def test_postgresql_reads_with_a_binary_copy_equal_to_the_cursor(
    campaign_engine, specs, monkeypatch
):
    if campaign_engine.dialect.driver != "psycopg":
        pytest.skip("the binary COPY is PostgreSQL's (psycopg 3)")
    with campaign_engine.connect() as conn:
        cols, blocks = loading._copy_binary(conn, 7, [1, 2])
    assert sorted(blocks) == [1, 2] and cols[5] is None
    copied = load_campaign(campaign_engine, "C2026", item_specs=specs)
    monkeypatch.setattr(loading, "_copy_binary", lambda conn, cid, versions: None)
    fetched = load_campaign(campaign_engine, "C2026", item_specs=specs)
    key = ["questionnaire_version_id", "response_id"]
    pd.testing.assert_frame_equal(copied.responses.sort_values(key, ignore_index=True),
                                  fetched.responses.sort_values(key, ignore_index=True))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("response_id", ignore_index=True)


def test_sqlite_reads_arrow_columns_equal_to_the_cursor(campaign_engine, specs, monkeypatch):
    """On SQLite the responses come through the ADBC driver as Arrow columns (the item
    blobs of each version as one matrix); the frame equals the one the cursor's path
    builds, for two versions of different lengths."""
    if campaign_engine.dialect.name != "sqlite":
        pytest.skip("the ADBC reader is SQLite's")
    with campaign_engine.connect() as conn:
        cols, blocks = loading._read_sqlite_arrow(conn, 7)
    assert sorted(blocks) == [1, 2] and cols[5] is None
    assert {v: block.shape for v, (rows, block) in blocks.items()} == {1: (3, 3), 2: (1, 2)}
    arrow = load_campaign(campaign_engine, "C2026", item_specs=specs)
    monkeypatch.setattr(loading, "_read_sqlite_arrow", lambda conn, cid: None)
    fetched = load_campaign(campaign_engine, "C2026", item_specs=specs)
    pd.testing.assert_frame_equal(_sorted(arrow.responses), _sorted(fetched.responses))


def test_sqlite_arrow_read_of_versions_of_one_length(campaign_engine, monkeypatch):
    """Versions whose blobs have the same length share one matrix, split by version."""
    if campaign_engine.dialect.name != "sqlite":
        pytest.skip("the ADBC reader is SQLite's")
    three = {1: SPEC_V1.copy(), 2: SPEC_V1.copy()}
    with campaign_engine.begin() as conn:
        conn.execute(text("UPDATE responses SET item_values = :b WHERE questionnaire_version_id = 2"),
                     {"b": bytes([2, 255, 4])})
    with campaign_engine.connect() as conn:
        cols, blocks = loading._read_sqlite_arrow(conn, 7)
    assert {v: block.shape for v, (rows, block) in blocks.items()} == {1: (3, 3), 2: (1, 3)}
    assert blocks[2][1].tolist() == [[2, -1, 4]]
    arrow = load_campaign(campaign_engine, "C2026", item_specs=three)
    monkeypatch.setattr(loading, "_read_sqlite_arrow", lambda conn, cid: None)
    fetched = load_campaign(campaign_engine, "C2026", item_specs=three)
    pd.testing.assert_frame_equal(_sorted(arrow.responses), _sorted(fetched.responses))


def test_sqlite_blobs_of_different_lengths_in_a_version_name_the_response(campaign_engine,
                                                                           specs):
    """A version whose blobs differ in length is left to the cursor's path, whose error
    names the response."""
    if campaign_engine.dialect.name != "sqlite":
        pytest.skip("the ADBC reader is SQLite's")
    bad = response_id(1)
    with campaign_engine.begin() as conn:
        conn.execute(text("UPDATE responses SET item_values = :b WHERE id = :id"),
                     {"b": bytes([1, 2]), "id": bad})
    with campaign_engine.connect() as conn:
        assert loading._read_sqlite_arrow(conn, 7) is None
    with pytest.raises(ValueError, match=f"response {bad}: item_values length"):
        load_campaign(campaign_engine, "C2026", item_specs=specs)


def test_sqlite_in_memory_and_unreadable_columns_use_the_cursor(specs):
    """An in-memory database cannot be opened by a second connection, and a date that is
    not ISO text cannot be parsed by Arrow: both are read by the cursor."""
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", poolclass=StaticPool)
    _populate(engine)
    with engine.connect() as conn:
        assert loading.sqlite_file_uri(conn) is None
        assert loading._read_sqlite_arrow(conn, 7) is None
    assert len(load_campaign(engine, "C2026", item_specs=specs).responses) == 4
    import pyarrow as pa

    table = pa.table({"id": ["x"], "t": [1], "g": [1], "v": [1], "d": ["1 May 2026"],
                      "b": pa.array([b"\x01"], pa.binary())})
    assert loading._columns_from_arrow(table) is None
    assert loading._columns_from_arrow(table.set_column(
        4, "d", pa.array(["2026-05-01"]))) is not None


def test_the_report_read_is_answered_from_one_covering_index(tmp_path):
    """On the app's own SQLite schema the loader's query reads only the covering index
    (no look-up in the responses' primary-key tree per response)."""
    from flask_migrate import upgrade

    from survey_app import create_app
    from survey_app.config import TestConfig
    from survey_app.extensions import db

    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'plan.sqlite'}"))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + loading._RESPONSES_SQL,
                                        (7,)).fetchall()
        db.engine.dispose()
    assert [row[-1] for row in plan] == [
        "SEARCH responses USING COVERING INDEX ix_responses_campaign_report (campaign_id=?)"]


def test_checklist_totals_are_read_from_the_answers(campaign_engine):
    sheet = {
        "key": "sheet", "version": "1", "title": {"zh": "指标", "en": "Sheet"},
        "sections": [{"id": "s", "title": {"zh": "s", "en": "s"}, "questions": [{
            "id": "tp", "type": "checklist", "label": {"zh": "指标", "en": "Indicators"},
            "items": [
                {"id": "a", "points": 60, "veto": True, "label": {"zh": "a", "en": "a"}},
                {"id": "b", "points": 40, "label": {"zh": "b", "en": "b"}},
            ]}]}],
    }
    answers = [{"a": True, "b": True}, {"a": False, "b": True}, {"a": True}, {"b": True}]
    with campaign_engine.begin() as conn:
        conn.execute(text("UPDATE questionnaire_versions SET definition = :d"),
                     {"d": json.dumps(sheet)})
        for i, a in enumerate(answers):
            conn.execute(text("UPDATE responses SET answers = :a WHERE id = :id"),
                         {"a": json.dumps(a), "id": response_id(i)})
    totals = load_checklist_totals(campaign_engine, "C2026")
    # G1 (id 4): 100 and 40 (veto failed); D1 (2): 60; D2 (3): 40 (veto failed)
    assert totals.to_dict("index") == {
        "D1": {"checklist_total": 60.0, "n": 1, "veto_failed": 0},
        "D2": {"checklist_total": 40.0, "n": 1, "veto_failed": 1},
        "G1": {"checklist_total": 70.0, "n": 2, "veto_failed": 1},
    }
    assert load_checklist_totals(campaign_engine, "NOPE").empty
    findings = load_checklist_findings(campaign_engine, "C2026").set_index(["unit_code", "item"])
    assert findings.loc[("G1", "a"), ["n", "met"]].tolist() == [2, 1]
    assert findings.loc[("D2", "a"), ["n", "met"]].tolist() == [1, 0]
    assert bool(findings.loc[("G1", "a"), "veto"]) and findings.loc[("G1", "b"), "points"] == 40

    # An assessor who revised: only the current revision counts (G1's second response
    # superseded by its first, so G1 is one assessment of 100, veto met).
    with campaign_engine.begin() as conn:
        conn.execute(text("INSERT INTO submissions VALUES (1, :old, :f), (2, :new, :t)"),
                     {"old": response_id(1), "new": response_id(0), "f": False, "t": True})
    totals = load_checklist_totals(campaign_engine, "C2026")
    assert totals.loc["G1"].to_dict() == {"checklist_total": 100.0, "n": 1, "veto_failed": 0}


def test_the_loader_refuses_what_is_not_a_database():
    with pytest.raises(ValueError, match="Engine or a database URL"):
        load_campaign(42, "C2026")
