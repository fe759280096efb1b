from survey_app.extensions import db
from survey_app.models import Organisation, OrgKind, Role, User
from tests.conftest import csrf_token_from


def test_demo_load_is_idempotent(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(Organisation.id)))
        users = db.session.scalar(db.select(db.func.count(User.id)))
    second = runner.invoke(args=["demo", "load"])
    assert "0 units, 0 accounts and 0 responses created" in second.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Organisation.id))) == count
        assert db.session.scalar(db.select(db.func.count(User.id))) == users


def test_demo_tree_shape(demo):
    with demo.app_context():
        orgs = list(db.session.scalars(db.select(Organisation)))
        assert len(orgs) >= 60
        assert all(o.code.startswith("DEMO-") for o in orgs)
        assert max(o.depth for o in orgs) >= 3
        by_code = {o.code: o for o in orgs}
        g01 = by_code["DEMO-G01"]
        assert g01.kind == OrgKind.GRASSROOTS_UNION and g01.members > 0
        roles = {u.role for u in db.session.scalars(db.select(User))}
        assert roles == {r.value for r in Role}
        # Each level's members are the sum over its grassroots units.
        city = by_code["DEMO-CITY"]
        grassroots = [o for o in orgs if o.kind == OrgKind.GRASSROOTS_UNION]
        assert city.members == sum(o.members for o in grassroots)


def test_demo_load_refuses_to_run_in_production(tmp_path):
    """The demo's passwords are published: with PINGJIA_ENV=production the command fails
    with a clear message and creates nothing (run as an operator would, in a new process)."""
    import os
    import subprocess
    import sys

    db_file = tmp_path / "prod.sqlite"
    env = {**os.environ, "PINGJIA_ENV": "production", "SECRET_KEY": "x" * 40,
           "DATABASE_URL": f"sqlite:///{db_file}"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "demo", "load"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "never loaded in production" in done.stderr
    assert not db_file.exists() or db_file.stat().st_size == 0


def test_demo_load_prints_accounts(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert "demo-admin-2026" in result.output


def test_language_switch_to_english_and_back(client):
    page = client.get("/")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/lang", data={"lang": "en", "next": "/auth/login", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Log in" in html and "用户名" not in html
    token = csrf_token_from(html)
    client.post("/lang", data={"lang": "zh", "next": "/", "csrf_token": token})
    assert "用户名" in client.get("/auth/login").get_data(as_text=True)


def test_language_switch_needs_csrf(client):
    assert client.post("/lang", data={"lang": "en"}).status_code == 400


def test_language_switch_refuses_offsite_next(client):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/lang", data={"lang": "en", "next": "//evil.example/x", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_every_message_in_the_source_is_translated():
    """Extract the messages from the code and templates as `make messages` does, and check
    that the Chinese catalogue translates each: a new string without a translation fails."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).parents[2]
    method_map = [("survey_app/**.py", "python"), ("survey_app/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    extracted = {
        (message if isinstance(message, str) else message[0])
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, keywords=keywords)
    }
    assert len(extracted) > 300
    po = root / "survey_app/translations/zh/LC_MESSAGES/messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    assert sorted(extracted - translated) == []
