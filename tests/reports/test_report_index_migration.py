"""The covering index of the report's read: built by its migration over a database holding
the demo tree and a published campaign, without changing a row or what the loader reads;
SQLite only; and gone again on the way down."""

from __future__ import annotations

import pandas as pd
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.reports.loading import load_campaign
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture

REVISION = "d5f1a3c7e902"
PREVIOUS = "c8e2f4a61d37"
INDEX = "ix_responses_campaign_report"


def _indexes() -> set[str]:
    return {ix["name"] for ix in inspect(db.engine).get_indexes("responses")}


def _state() -> tuple[int, pd.DataFrame]:
    with db.engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM responses")).scalar_one()
    frame = load_campaign(db.engine, "TEST-DISC").responses
    return n, frame.sort_values("response_id", ignore_index=True)


def test_the_report_index_upgrades_a_database_with_answers(empty_database_url):  # noqa: F811
    from demo import load_demo
    from tests.reports.conftest import add_disclosure_campaign

    app = create_app(TestConfig(empty_database_url))
    with app.app_context():
        upgrade(revision=PREVIOUS)
        load_demo(campaigns=False)
        add_disclosure_campaign()
        db.session.remove()
        assert INDEX not in _indexes()
        n, before = _state()
        assert n == 20
        upgrade(revision=REVISION)
        assert (INDEX in _indexes()) == (db.engine.dialect.name == "sqlite")
        n_after, after = _state()
        assert n_after == n
        pd.testing.assert_frame_equal(after, before)
        downgrade(revision=PREVIOUS)
        assert INDEX not in _indexes()
        assert _state()[0] == n
        db.session.remove()
        db.engine.dispose()
