"""The member path's statements, run on the database driver's own connection.

A member's request runs at most two statements: the look-up of the code (or open link)
and, for a submission, the statement that consumes the code and stores the response.
Through SQLAlchemy's ORM session and ``Connection`` each cost about three times what the
driver itself spends on it (session and transaction bookkeeping, hashing the cached
statement's key, the result machinery): in a profile of members submitting under load,
a fifth of the app's CPU time. So these statements, still written as SQLAlchemy Core
(``util._CODE_ENTRY``, ``operations._CONSUME_AND_STORE`` ...), are compiled once per
database dialect and executed on a pooled connection's DBAPI cursor.

What SQLAlchemy's ``Connection`` would do is kept:

- the connection comes from the engine's pool (with its liveness check) and goes back;
- driver errors are raised as SQLAlchemy's ``DBAPIError`` subclasses (``OperationalError``
  gives the 503 page); an error that shows the connection dead empties the pool;
- values are converted by the column types themselves (their bind and result
  processors): JSON, dates and booleans come and go as through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

from survey_app.extensions import db


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: Any  # sqlalchemy.sql.compiler.SQLCompiler
    #: the bound parameters' type conversions (JSON to text, dates on SQLite ...)
    binds: dict[str, Callable[[Any], Any]]
    #: the selected columns' conversions back (None: the driver's value is kept)
    results: tuple[Callable[[Any], Any] | None, ...]


class DriverStatement:
    """A Core statement compiled once per dialect, for a DBAPI cursor. Parameters and
    result rows go through the column types' own conversions, as SQLAlchemy would."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver, dialect.paramstyle)  # psycopg and psycopg2 differ
        done = self._compiled.get(key)
        if done is None:
            compiled = self.statement.compile(dialect=dialect)
            # each type as this dialect implements it (SQLite's DATE, psycopg's JSON ...)
            binds = {name: convert for bind, name in compiled.bind_names.items()
                     if (convert := bind.type.dialect_impl(dialect).bind_processor(dialect))
                     is not None}
            columns = getattr(self.statement, "selected_columns", ())
            results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                            for c in columns)
            done = self._compiled[key] = _Compiled(compiled.string, compiled, binds, results)
        return done

    def sql_and_params(self, dialect: Dialect, params: Mapping[str, Any]
                       ) -> tuple[str, Sequence[Any] | Mapping[str, Any]]:
        """The SQL text, and the parameters in the driver's style. Values fixed in the
        statement (``status = 'open'``) are added to ``params``."""
        done = self._for(dialect)
        values = done.compiled.construct_params(params)
        for name, convert in done.binds.items():
            if values.get(name) is not None:
                values[name] = convert(values[name])
        if done.compiled.positiontup is not None:  # qmark (SQLite): by position
            return done.sql, tuple(values[name] for name in done.compiled.positiontup)
        return done.sql, values

    def row(self, dialect: Dialect, row: Sequence[Any] | None) -> tuple | None:
        """A result row, with the selected columns' types applied."""
        if row is None:
            return None
        results = self._for(dialect).results
        return tuple(value if convert is None or value is None else convert(value)
                     for value, convert in zip(row, results, strict=True))


@contextmanager
def driver_connection(autocommit: bool = False) -> Iterator[Any]:
    """A pooled DBAPI connection (SQLAlchemy's pool proxy: ``cursor()``, ``commit()``).

    ``autocommit`` puts a PostgreSQL connection in autocommit for the block, so a single
    statement needs no BEGIN and COMMIT, and no ROLLBACK when the connection goes back
    to the pool (psycopg drops every prepared statement on a rollback). On SQLite the
    driver starts a transaction at the first write and the block must commit.
    """
    engine = db.engine
    dialect = engine.dialect
    driver_error = dialect.loaded_dbapi.Error
    try:
        raw = engine.raw_connection()
    except driver_error as exc:  # the server cannot be reached
        raise _wrapped(exc, dialect, dead=False) from exc
    switched = autocommit and dialect.name == "postgresql"
    try:
        if switched:
            raw.driver_connection.autocommit = True
        yield raw
    except driver_error as exc:
        dead = dialect.is_disconnect(exc, raw.dbapi_connection, None)
        if dead:
            # as SQLAlchemy does on a disconnect: this connection and every other one the
            # pool holds are from before the failure (a restarted server): start afresh
            raw.invalidate(exc)
            engine.dispose()
        raise _wrapped(exc, dialect, dead) from exc
    finally:
        if switched and raw.dbapi_connection is not None:
            if raw.driver_connection.closed:
                raw.invalidate()
            else:
                raw.driver_connection.autocommit = False
        raw.close()


def _wrapped(exc: Exception, dialect: Dialect, dead: bool) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it (``OperationalError``, ``IntegrityError``
    ...), so callers and the error pages see one kind of error whatever the path."""
    return DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error,
                               connection_invalidated=dead, dialect=dialect)


def _run(raw, statement: DriverStatement, params: Mapping[str, Any], fetch: bool):
    dialect = db.engine.dialect
    sql, values = statement.sql_and_params(dialect, params)
    cursor = raw.cursor()
    try:
        cursor.execute(sql, values)
        return statement.row(dialect, cursor.fetchone()) if fetch else cursor.rowcount
    finally:
        cursor.close()


def fetch_one(raw, statement: DriverStatement, params: Mapping[str, Any]) -> tuple | None:
    """Run ``statement`` on ``raw`` (from :func:`driver_connection`): its first row."""
    return _run(raw, statement, params, fetch=True)


def run(raw, statement: DriverStatement, params: Mapping[str, Any]) -> int:
    """Run ``statement`` on ``raw``: the number of rows it changed."""
    return _run(raw, statement, params, fetch=False)
