import pytest

from survey_app import InsecureConfigError, create_app
from survey_app.config import DEV_SECRET_KEY, TestConfig


def test_testing_config(app):
    assert app.testing
    assert app.config["ENV_NAME"] == "testing"


def test_refuses_dev_secret_outside_development(monkeypatch):
    monkeypatch.setenv("PINGJIA_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(InsecureConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_starts_with_a_real_secret(monkeypatch):
    monkeypatch.setenv("PINGJIA_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret-from-the-environment")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] != DEV_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_accepts_dev_secret(monkeypatch):
    monkeypatch.setenv("PINGJIA_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_database_url_from_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PINGJIA_ENV", "development")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == url


def test_home_page_is_chinese_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "评家" in html and "登录" in html


def test_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_no_inline_script_in_pages(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html and "style=" not in html


def test_unknown_page_is_a_translated_404(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "页面不存在" in page.get_data(as_text=True)


def test_test_config_uses_given_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'y.sqlite'}"
    assert create_app(TestConfig(url)).config["SQLALCHEMY_DATABASE_URI"] == url
