"""The member path's statements compiled for the driver: parameters in the driver's style."""

from datetime import date

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InvalidRequestError

from survey_app.surveys.driver import DriverStatement, as_date, date_value
from survey_app.surveys.operations import _CONSUME


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


def test_dates_as_each_database_keeps_them():
    day = date(2026, 11, 24)
    assert date_value(sqlite.dialect(), day) == "2026-11-24"
    assert date_value(postgresql.psycopg.dialect(), day) is day
    assert as_date("2026-11-24") == day and as_date(day) is day and as_date(None) is None
