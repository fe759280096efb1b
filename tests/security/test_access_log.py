"""gunicorn's access log through survey_app.serving.AccessLogger: gunicorn's own lines,
without any access code."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from survey_app.security import install_log_redaction
from survey_app.serving import AccessLogger, RedactedAtoms

CODE = "ABCDEFGHJKMNPQ"
CUSTOM = ('%(h)s %(t)s "%(r)s" %(s)s %(b)s %(D)s %(m)s %(U)s %(q)s "%(f)s" "%(a)s" '
          '%({x-forwarded-for}i)s %({Content-Type}o)s %({raw_uri}e)s %({absent}i)s %(Z)s')


def request(path: str = "/thanks", query: str = "", referer: str = "http://h/thanks",
            agent: str = 'Mozilla/5.0 "phone"', forwarded: str = "10.0.0.7"):
    raw = path + ("?" + query if query else "")
    environ = {
        "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "RAW_URI": raw,
        "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": path, "QUERY_STRING": query,
        "HTTP_REFERER": referer, "HTTP_USER_AGENT": agent, "HTTP_X_FORWARDED_FOR": forwarded,
        "SERVER_NAME": "127.0.0.1", "wsgi.url_scheme": "http",
    }
    req = SimpleNamespace(headers=[("REFERER", referer), ("USER-AGENT", agent),
                                   ("X-FORWARDED-FOR", forwarded)])
    resp = SimpleNamespace(status="302 FOUND", sent=229, headers=[
        ("Content-Type", "text/html; charset=utf-8"), ("Location", "/thanks")])
    return resp, req, environ, timedelta(seconds=0, microseconds=3217)


def log_line(logger_class, tmp_path, fmt: str | None, *args) -> str:
    """The line ``logger_class`` writes, with the logging filters (the app's redaction
    filter, once any app was created in this process) taken off for the call."""
    out = tmp_path / f"{logger_class.__name__}.log"
    cfg = Config()
    cfg.set("accesslog", str(out))
    if fmt:
        cfg.set("access_log_format", fmt)
    logger = logger_class(cfg)
    logger.now = lambda: "[24/Nov/2026:17:00:00 +0000]"
    filters = list(logger.access_log.filters)
    logger.access_log.filters.clear()
    try:
        logger.access(*args)
    finally:
        logger.access_log.filters.extend(filters)
        for handler in logger.access_log.handlers:
            handler.close()
        logger.access_log.handlers.clear()
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", [None, CUSTOM], ids=["default format", "custom format"])
def test_lines_are_gunicorns_own_when_there_is_no_code(tmp_path, fmt):
    args = request(query="lang=en")
    ours = log_line(AccessLogger, tmp_path, fmt, *args)
    assert ours == log_line(Logger, tmp_path, fmt, *args)
    assert '\\"phone\\"' in ours  # quotes escaped as gunicorn's SafeAtoms does
    if fmt:
        assert "10.0.0.7 text/html; charset=utf-8 /thanks?lang=en - -" in ours


def test_no_code_in_any_logged_value(tmp_path):
    args = request(path=f"/s/{CODE}", query=f"next=/s/{CODE}", referer=f"http://h/s/{CODE}",
                   agent=f"app /s/{CODE}", forwarded=f"/s/{CODE}")
    for fmt in (None, CUSTOM):
        line = log_line(AccessLogger, tmp_path, fmt, *args)
        assert CODE not in line
        assert line.count("/s/[redacted]") >= (3 if fmt is None else 7)
    # gunicorn's own logger would have written the code: the redaction is this logger's
    assert CODE in log_line(Logger, tmp_path, CUSTOM, *args)


def test_the_redaction_filter_leaves_already_redacted_atoms_alone(tmp_path):
    install_log_redaction()
    args = request(path=f"/s/{CODE}")
    atoms = AccessLogger(Config()).atoms(*args)
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", (atoms,),
                               None)
    for flt in logging.getLogger("gunicorn.access").filters:
        assert flt.filter(record)
    assert record.args is atoms  # not copied into a dict of every atom
    assert isinstance(atoms, RedactedAtoms) and len(atoms) > 10
    assert record.getMessage() == "POST /s/[redacted] HTTP/1.1"
