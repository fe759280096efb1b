"""The one domain error, and the error pages: a clear page in the user's language, never a
stack trace.

Every area refuses a request by raising :class:`DomainError` (or a subclass), which carries
the HTTP status the web shows for it; views that must show a form again catch it, and
anything uncaught becomes the error page with the error's message.
"""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
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


#: The open API answers with problem documents (RFC 9457), in English and Chinese.
API_PREFIX = "/api/"
PROBLEM_TITLES = {
    400: ("Bad request", "请求有误"),
    401: ("Unauthorized", "未认证"),
    403: ("Forbidden", "无权访问"),
    404: ("Not found", "未找到"),
    405: ("Method not allowed", "不允许的请求方法"),
    406: ("Not acceptable", "无法提供所要求的格式"),
    409: ("Conflict", "状态冲突"),
    412: ("Precondition failed", "前提条件不满足"),
    413: ("Request body too large", "请求体过大"),
    415: ("Unsupported media type", "不支持的媒体类型"),
    422: ("Unprocessable content", "请求内容无效"),
    429: ("Too many requests", "请求过于频繁"),
    500: ("Server error", "服务器内部错误"),
    503: ("Service unavailable", "服务暂时不可用"),
}
PROBLEM_DETAILS = {
    400: ("The request could not be understood.", "无法理解该请求。"),
    401: ("A valid API token is required: send Authorization: Bearer <token>.",
          "需要有效的 API 令牌：请发送 Authorization: Bearer <令牌>。"),
    403: ("The token may not do this.", "该令牌无权执行此操作。"),
    404: ("The resource does not exist.", "所请求的资源不存在。"),
    405: ("This method is not allowed here.", "此处不允许该请求方法。"),
    409: ("The object's state does not allow this now.", "对象当前的状态不允许此操作。"),
    413: ("The request body is larger than the API accepts.", "请求体超过 API 允许的大小。"),
    415: ("Send the body as application/json.", "请求体须为 application/json。"),
    422: ("The request has invalid or unknown fields; see errors.",
          "请求中有无效或未知的字段，详见 errors。"),
    429: ("Too many requests for this token. Wait a minute and try again.",
          "该令牌请求过于频繁，请稍后再试。"),
    500: ("Something went wrong on our side.", "服务器出错。"),
    503: ("The service is briefly unavailable. Try again in a moment.",
          "服务暂时不可用，请稍后再试。"),
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, detail_zh: str | None = None,
            **extra: object):
    """An ``application/problem+json`` response: ``title`` and ``detail`` in English,
    ``title_zh`` and ``detail_zh`` in Chinese, plus any extension members (``errors``)."""
    title, title_zh = PROBLEM_TITLES.get(status, ("Error", "错误"))
    default_en, default_zh = PROBLEM_DETAILS.get(status, (title, title_zh))
    body = {"type": "about:blank", "title": title, "status": status,
            "detail": detail or default_en, "title_zh": title_zh,
            "detail_zh": detail_zh or (default_zh if detail is None else detail),
            "instance": request.path, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render_error(status: int, detail: str | None = None):
    if is_api_request():
        return problem(status)
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "error.html", status=status, title=title, message=detail or message
    ), status


def domain_problem(error: DomainError):
    """A refused request as a problem document, its message in both languages (messages
    given through gettext are translated; plain ones are the same in both)."""
    from flask_babel import force_locale

    with force_locale("en"):
        english = str(error)
    with force_locale("zh"):
        chinese = str(error)
    extra = {"errors": [str(p) for p in error.problems]} if isinstance(error, ProblemList) else {}
    return problem(error.status, english or None, chinese or None, **extra)


def http_problem(error: HTTPException):
    """An HTTP error on the API as a problem document; request validation errors (webargs)
    carry the field messages as ``errors``."""
    data = getattr(error, "data", None) or {}
    extra = {"errors": data["messages"]} if data.get("messages") else {}
    response = problem(int(error.code or 500), **extra)
    for name, value in error.get_headers():
        if name.lower() in ("allow", "retry-after"):
            response.headers[name] = value
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if error.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pingjia"'
    return response


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
        if is_api_request():
            return domain_problem(error)
        return render_error(error.status, str(error) or None)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if is_api_request() and error.code is not None and error.code >= 400:
            return http_problem(error)
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
