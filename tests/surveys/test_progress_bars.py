"""Long command-line jobs draw a progress bar on stderr when asked (or on a terminal), and
stay quiet otherwise; the printed result on stdout is the same either way."""

import io

import pytest

from survey_app.cli import common
from survey_app.member_surveys import codes as code_tools


def _issue(demo, count):
    return demo.test_cli_runner().invoke(args=[
        "codes", "issue", "--campaign", "TEST-MEMBER", "--unit", "DEMO-G02",
        "--count", str(count)])


def test_issuing_many_codes_shows_progress_when_asked(demo, campaign, monkeypatch):
    monkeypatch.setenv(common.PROGRESS_ENV, "1")
    result = _issue(demo, 1200)
    assert result.exit_code == 0, result.output
    codes = result.stdout.splitlines()
    assert len(codes) == len(set(codes)) == 1200
    assert all(code_tools.is_well_formed(c) for c in codes)
    # the bar (blocks of 500, 500 and 200 codes; it redraws at most ten times a second, so
    # not every block shows), from nothing to the total
    assert "参评码" in result.stderr
    assert "0/1200" in result.stderr and "1200/1200" in result.stderr


def test_no_progress_when_not_a_terminal(demo, campaign, monkeypatch):
    monkeypatch.delenv(common.PROGRESS_ENV, raising=False)
    result = _issue(demo, 600)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 600


@pytest.mark.parametrize(("value", "tty", "wanted"), [
    ("1", False, True), ("always", False, True), ("0", True, False), ("off", True, False),
    ("", True, True), ("", False, False)])
def test_progress_wanted(monkeypatch, value, tty, wanted):
    class Stream(io.StringIO):
        def isatty(self):
            return tty

    monkeypatch.setenv(common.PROGRESS_ENV, value)
    monkeypatch.setattr("sys.stderr", Stream())
    assert common.progress_wanted() is wanted


def test_steps_run_in_order_and_the_bar_names_them(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setenv(common.PROGRESS_ENV, "1")
    monkeypatch.setattr("sys.stderr", stream)
    done = common.run_steps([("读取", lambda: 1), ("计算", lambda: 2)], desc="报告")
    assert done == [1, 2]
    text = stream.getvalue()
    assert "报告" in text and "计算" in text and "2/2" in text


def test_chunked():
    assert list(common.chunked(1200, 500)) == [500, 500, 200]
    assert list(common.chunked(0, 500)) == []
