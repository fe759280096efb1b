"""Fixtures of the analysis tests: a campaign database built with plain SQL.

The tests run on SQLite always, and on PostgreSQL too when ``TEST_DATABASE_URL`` is set
(e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); there each run uses its own
schema, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import uuid

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text


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
    ]


#: Item specs of the two questionnaire versions of the test campaign.
SPEC_V1 = pd.DataFrame(
    {
        "dimension": ["A", "A", "B"],
        "min": [1, 1, 1],
        "max": [5, 5, 5],
        "reverse": [False, True, False],
        "weight": [1.0, 1.0, 1.0],
        "satisfied_values": [(4, 5), (1, 2), (4, 5)],
    },
    index=pd.Index(["a1", "a2", "b1"], name="item"),
)
SPEC_V2 = pd.DataFrame(
    {
        "dimension": ["A", "C"],
        "min": [1, 0],
        "max": [5, 10],
        "reverse": [False, False],
        "weight": [1.0, 1.0],
        "satisfied_values": [(4, 5), (9, 10)],
    },
    index=pd.Index(["a1", "c1"], name="item"),
)

#: (target_id, rater group id, version, item values, answers)
RESPONSES = [
    (4, 1, 1, [5, 4, -2], {"comment": "  很好 "}),
    (4, 1, 1, [1, -1, 3], {"comment": ""}),
    (2, 1, 1, [3, 3, 3], {}),
    (3, 2, 2, [4, 10], {"comment": "needs a bigger room"}),
]


def _populate(engine) -> None:
    blob = "BYTEA" if engine.dialect.name == "postgresql" else "BLOB"
    boolean = "BOOLEAN" if engine.dialect.name == "postgresql" else "INTEGER"
    json_type = "JSON" if engine.dialect.name == "postgresql" else "TEXT"
    with engine.begin() as conn:
        for stmt in schema_sql(blob, boolean, json_type):
            conn.execute(text(stmt))
        conn.execute(
            text(
                "INSERT INTO organisations VALUES (:id, :code, :name, :kind, :parent_id, :path, "
                ":depth, :members)"
            ),
            [
                {"id": 1, "code": "FED", "name": "市总工会", "kind": "federation",
                 "parent_id": None, "path": "/1/", "depth": 0, "members": 1000},
                {"id": 2, "code": "D1", "name": "区总工会", "kind": "district",
                 "parent_id": 1, "path": "/1/2/", "depth": 1, "members": 400},
                {"id": 3, "code": "D2", "name": "产业工会", "kind": "district",
                 "parent_id": 1, "path": "/1/3/", "depth": 1, "members": 300},
                {"id": 4, "code": "G1", "name": "基层工会", "kind": "grassroots",
                 "parent_id": 2, "path": "/1/2/4/", "depth": 2, "members": 50},
            ],
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
            [
                {"id": 1, "key": "member", "name": "会员", "w": 0.6, "qv": 1, "anon": True},
                {"id": 2, "key": "upper", "name": "上级工会", "w": 0.4, "qv": 2, "anon": False},
            ],
        )
        rows = []
        for i, (target, group, version, values, answers) in enumerate(RESPONSES):
            rows.append(
                {
                    "id": str(uuid.UUID(int=i + 1)),
                    "target": target,
                    "group": group,
                    "qv": version,
                    "day": pd.Timestamp(f"2026-10-0{i + 1}").date(),
                    "answers": json.dumps(answers, ensure_ascii=False),
                    "blob": np.asarray(values, dtype=np.int8).tobytes(),
                }
            )
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
    if not url:
        pytest.skip("TEST_DATABASE_URL not set")
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
def populate():
    """The function that creates and fills the test schema on an engine."""
    return _populate


@pytest.fixture
def specs() -> dict[int, pd.DataFrame]:
    return {1: SPEC_V1.copy(), 2: SPEC_V2.copy()}
