"""The member path's statements compiled for the driver: parameters in the driver's style."""

import json
from datetime import date

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InvalidRequestError

from survey_app.member_surveys.operations import _CONSUME, _INSERT_RESPONSE
from survey_app.member_surveys.queries import _CODE_ENTRY
from survey_app.member_surveys.statements import DriverStatement


def test_sqlite_parameters_are_positional_with_the_statements_fixed_values():
    sql, params = DriverStatement(_CONSUME).sql_and_params(sqlite.dialect(), {"hashed": "h"})
    assert sql.count("?") == len(params) == 3
    # SET used = ?, WHERE code_hash = ?, ... status = ?: in the order of the placeholders
    assert params == (True, "h", "open")


def test_postgresql_parameters_are_named_and_cast():
    sql, params = DriverStatement(_CONSUME).sql_and_params(postgresql.psycopg.dialect(),
                                                           {"hashed": "h"})
    assert "%(hashed)s" in sql and params["hashed"] == "h" and params["status_1"] == "open"


def test_a_missing_parameter_is_an_error_not_a_null():
    with pytest.raises(InvalidRequestError):
        DriverStatement(_CONSUME).sql_and_params(sqlite.dialect(), {})


def test_values_are_converted_by_their_column_types_as_each_database_keeps_them():
    day = date(2026, 11, 24)
    row = {"id": "x", "campaign_id": 1, "target_id": 2, "rater_group_id": 3,
           "questionnaire_version_id": 4, "submitted_on": day, "answers": {"q1": "满意"},
           "item_values": b"\x03"}
    insert = DriverStatement(_INSERT_RESPONSE)
    _sql, on_sqlite = insert.sql_and_params(sqlite.dialect(), row)
    stored = dict(zip(_INSERT_RESPONSE.compile(dialect=sqlite.dialect()).positiontup,
                      on_sqlite, strict=True))
    assert stored["submitted_on"] == "2026-11-24"  # SQLite keeps ISO text
    assert json.loads(stored["answers"]) == {"q1": "满意"}  # JSON as text
    _sql, on_postgresql = insert.sql_and_params(postgresql.psycopg.dialect(), row)
    assert on_postgresql["submitted_on"] is day  # PostgreSQL takes the date itself

    look_up = DriverStatement(_CODE_ENTRY)
    read = (1, "C", "名", "member", "open", "2026-11-01", None, 7, 8, "h" * 64, 9, "U", "单位",
            '{"then_parent": "b"}', 5, "去年的评家", 0, '{"q1": "满意"}')
    back = look_up.row(sqlite.dialect(), read)
    assert back[5] == date(2026, 11, 1) and back[6] is None  # dates back from ISO text
    assert back[13] == {"then_parent": "b"}  # the rater group's settings, JSON from text
    assert back[14:16] == (5, "去年的评家")  # the public campaign the form links to
    assert back[16] is False  # booleans back from 0 and 1
    assert back[17] == {"q1": "满意"}  # the draft, JSON back from text
    assert look_up.row(sqlite.dialect(), None) is None
