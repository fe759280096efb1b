"""The app compiles its catalogues when started without ``make`` (no .mo, or a stale one)."""

import os
import shutil
from pathlib import Path

import pytest

import survey_app
from survey_app import create_app, i18n
from survey_app.config import TestConfig

PACKAGE_TRANSLATIONS = Path(survey_app.__file__).parent / "translations"


@pytest.fixture
def catalogues(tmp_path) -> Path:
    """A copy of the package's catalogues, without any compiled .mo."""
    copy = tmp_path / "translations"
    shutil.copytree(PACKAGE_TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    assert not list(copy.glob("*/LC_MESSAGES/*.mo"))
    return copy


def _app(database_url, directory):
    settings = TestConfig(database_url).as_dict()
    return create_app({**settings, "BABEL_TRANSLATION_DIRECTORIES": str(directory)})


def test_app_without_mo_compiles_it_and_speaks_chinese(database_url, catalogues):
    app = _app(database_url, catalogues)
    assert (catalogues / "zh" / "LC_MESSAGES" / "messages.mo").exists()
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "登录" in html
    assert "Staff log in" not in html


def test_a_stale_mo_is_recompiled(database_url, catalogues):
    mo = catalogues / "zh" / "LC_MESSAGES" / "messages.mo"
    mo.write_bytes(b"")  # an empty, broken catalogue, older than the .po
    os.utime(mo, (0, 0))
    _app(database_url, catalogues)
    assert mo.stat().st_size > 1000 and mo.stat().st_mtime > 0


def test_a_read_only_package_compiles_into_the_instance_folder(
        database_url, catalogues, monkeypatch):
    real = i18n.compile_catalogue

    def read_only_package(po, mo):
        if mo.parent.is_relative_to(catalogues):
            raise PermissionError(mo)
        real(po, mo)

    monkeypatch.setattr(i18n, "compile_catalogue", read_only_package)
    app = _app(database_url, catalogues)
    fallback = Path(app.instance_path) / "translations"
    try:
        assert (fallback / "zh" / "LC_MESSAGES" / "messages.mo").exists()
        assert str(fallback) in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
        html = app.test_client().get("/").get_data(as_text=True)
        assert "Staff log in" not in html
    finally:
        shutil.rmtree(fallback, ignore_errors=True)
