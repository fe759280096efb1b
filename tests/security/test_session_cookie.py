"""The session cookie's serializer is built once, and follows SECRET_KEY when it changes."""

from flask import session

from survey_app.security import SessionInterface


def test_one_serializer_serves_every_request(app):
    interface = app.session_interface
    assert isinstance(interface, SessionInterface)
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)


def test_a_new_secret_key_rejects_old_cookies_and_fallbacks_accept_them(app):
    @app.get("/_test/session")
    def _probe():
        session.setdefault("mark", "kept")
        return session["mark"]

    client = app.test_client()
    client.get("/_test/session")
    old_cookie = client.get_cookie("session").value
    old_key = app.secret_key

    app.secret_key = "another-secret-key-for-the-test"
    with app.test_request_context(headers={"Cookie": f"session={old_cookie}"}):
        assert dict(app.session_interface.open_session(app, _request())) == {}

    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    with app.test_request_context(headers={"Cookie": f"session={old_cookie}"}):
        assert dict(app.session_interface.open_session(app, _request())) == {"mark": "kept"}


def _request():
    from flask import request

    return request._get_current_object()
