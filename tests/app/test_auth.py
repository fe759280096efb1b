import pytest

from survey_app.extensions import db
from survey_app.models import Organisation, Role, User
from tests.conftest import csrf_token_from


@pytest.fixture
def users(demo):
    return demo


def test_login_and_logout(users, client, auth):
    response = auth.login("city_admin", "demo-city-2026")
    assert response.status_code == 302
    assert "city_admin" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "city_admin" not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused(users, client, auth):
    response = auth.login("city_admin", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/orgs/").status_code == 302  # still anonymous: sent to login


def test_passwords_are_hashed_with_argon2(users, app):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "admin"))
        assert user.password_hash.startswith("$argon2id$")
        assert "demo-admin-2026" not in user.password_hash
        assert user.check_password("demo-admin-2026")
        assert not user.check_password("demo-admin-2027")


def test_login_without_csrf_token_is_refused(users, client):
    response = client.post("/auth/login", data={"username": "admin", "password": "demo-admin-2026"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_session_rotates_on_login(users, client, auth):
    client.get("/auth/login")
    before = client.get_cookie("session").value
    auth.login("admin", "demo-admin-2026")
    after = client.get_cookie("session").value
    assert before != after


def test_session_cookie_flags(users, client, auth):
    response = auth.login("admin", "demo-admin-2026")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_open_redirect_is_refused(users, client):
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"username": "admin", "password": "demo-admin-2026", "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [
        ("admin", "demo-admin-2026", 200),
        ("city_admin", "demo-city-2026", 200),
        ("analyst", "demo-analyst-2026", 200),
        ("evaluator_g01", "demo-eval-2026", 403),
        ("assessor", "demo-assessor-2026", 403),
    ],
)
def test_organisation_page_by_role(users, client, auth, username, password, status):
    auth.login(username, password)
    assert client.get("/orgs/").status_code == status


def test_union_admin_sees_only_its_subtree(users, client, auth):
    auth.login("district_admin", "demo-district-2026")
    html = client.get("/orgs/").get_data(as_text=True)
    assert "DEMO-D01" in html and "DEMO-G01" in html
    assert "DEMO-D02" not in html and "DEMO-CITY" not in html
    csv_text = client.get("/orgs/export.csv").get_data(as_text=True)
    assert "DEMO-G01" in csv_text and "DEMO-D02," not in csv_text


def test_login_is_rate_limited(database_url):
    from survey_app import create_app
    from survey_app.config import TestConfig

    config = TestConfig(database_url)
    config.RATELIMIT_ENABLED = True
    config.LOGIN_RATE_LIMIT = "3 per minute"
    app = create_app(config)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    codes = [
        client.post("/auth/login", data={"username": "x", "password": "y", "csrf_token": token}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_cli_user_create_reads_password_from_stdin(app, runner):
    with app.app_context():
        db.session.add(Organisation(code="X1", name="X", kind="federation", path="/1/"))
        db.session.commit()
    result = runner.invoke(
        args=["user", "create", "--username", "u1", "--role", "union_admin", "--org", "X1"],
        input="a-strong-password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "u1"))
        assert user.role == Role.UNION_ADMIN and user.organisation.code == "X1"
        assert user.check_password("a-strong-password")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "union_admin"], "needs --org"),
        (["--role", "analyst", "--org", "NOPE"], "unknown organisation code"),
        (["--role", "wizard"], "Invalid value for '--role'"),
    ],
)
def test_cli_user_create_errors(app, runner, args, message):
    result = runner.invoke(args=["user", "create", "--username", "u2", *args], input="long-enough-pw\n")
    assert result.exit_code != 0
    assert message in result.output
