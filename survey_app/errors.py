"""The one domain error, and the error pages: a clear page in the user's language, never a
stack trace.

Every area refuses a request by raising :class:`DomainError` (or a subclass), which carries
the HTTP status the web shows for it; views that must show a form again catch it, and
anything uncaught becomes the error page with the error's message.
"""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException


class DomainError(ValueError):
    """A request the platform refuses; the message is for the user."""

    status = 400

    def __init__(self, message: object = "", *, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class NotAllowed(DomainError):
    """The account may not act on this object."""

    status = 403


class Conflict(DomainError):
    """The object's state does not allow this now (already done, closed, used)."""

    status = 409


class ProblemList(DomainError):
    """A definition or an upload with problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list, *, status: int | None = None):
        super().__init__("; ".join(str(p) for p in problems), status=status)
        self.problems = problems


#: ``analysis.spreadsheets.SpreadsheetError`` reasons, in the user's language.
SPREADSHEET_MESSAGES = {
    "unsupported": _l("Unsupported file type %(ext)s: use CSV or Excel."),
    "encoding": _l("The file is neither UTF-8 nor GBK/GB18030 text; save it as CSV (UTF-8) "
                   "and retry."),
    "unreadable": _l("The Excel file cannot be read (%(error)s)."),
    "too_large": _l("The workbook unpacks to more than %(megabytes)s MB; split it into smaller "
                    "files."),
    "too_many_rows": _l("Too many rows (at most %(n)s)."),
    "too_many_columns": _l("Too many columns (at most %(n)s)."),
}


def spreadsheet_message(error) -> str:
    """A ``SpreadsheetError`` as a sentence in the user's language."""
    template = SPREADSHEET_MESSAGES.get(error.reason)
    if template is None:
        return str(error)
    params = {"ext": "", "error": "", "megabytes": "", "n": "", **error.params}
    return str(template) % params


MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Not found"), _l("The page you asked for does not exist.")),
    405: (_l("Not allowed"), _l("This action is not allowed here.")),
    409: (_l("Conflict"), _l("This has already been done.")),
    413: (_l("File too large"), _l("The uploaded file is larger than the allowed size.")),
    429: (_l("Too many requests"), _l("Too many attempts. Please wait a minute and try again.")),
    500: (
        _l("Server error"),
        _l("Something went wrong on our side. Nothing you entered was lost."),
    ),
    503: (
        _l("Service temporarily unavailable"),
        _l("The service is briefly unavailable. Please try again in a moment."),
    ),
}


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "error.html", status=status, title=title, message=detail or message
    ), status


def is_database_outage(error: BaseException, dbapi=None) -> bool:
    """Whether ``error`` says the database cannot be reached (rather than a bug).

    SQLAlchemy wraps the driver's errors: ``OperationalError`` and ``InterfaceError``, and
    any error after which the connection was found dead (``connection_invalidated``). Code
    that runs statements on the driver's own connection sees the driver's classes.
    """
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return dbapi is not None and isinstance(error, (dbapi.OperationalError,
                                                    dbapi.InterfaceError))


def database_unavailable(app: Flask, error: BaseException):
    """The 503 page for a database outage, wherever it surfaced.

    Marks the request so the account loader does not touch the database again while the
    page renders (the page shows as for a visitor), and drops the failed transaction.
    """
    from survey_app.extensions import db

    g.database_unavailable = True
    g.pop("_login_user", None)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
    app.logger.error("database unavailable: %s", type(error).__name__)
    return render_error(503)


def csrf_refused(error: CSRFError):
    return render_error(
        400,
        _l(
            "The form has expired or was not sent from this site. "
            "Please reload the page and try again."
        ),
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_refused)

    @app.errorhandler(DomainError)
    def _refused(error: DomainError):
        return render_error(error.status, str(error) or None)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    from survey_app.extensions import db

    with app.app_context():
        dbapi = db.engine.dialect.loaded_dbapi

    @app.errorhandler(SQLAlchemyError)
    def _db_error(error: SQLAlchemyError):
        if is_database_outage(error):
            return database_unavailable(app, error)
        raise error

    for driver_error in {dbapi.OperationalError, dbapi.InterfaceError}:
        app.register_error_handler(driver_error,
                                   lambda error: database_unavailable(app, error))
