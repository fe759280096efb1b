"""A member types the code of a slip into the box of the home or refusal page."""

import pytest

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools


def test_home_page_has_a_code_box(client):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/s/"' in html and 'name="code"' in html
    assert "参评码" in html


@pytest.mark.parametrize("shape", [
    lambda c: code_tools.display(c).lower(),
    lambda c: " ".join(code_tools.display(c).split("-")),
    lambda c: "".join(chr(ord(ch) + 0xFEE0) for ch in c),  # full-width, from a Chinese IME
    lambda c: code_tools.display(c).replace("-", "－"),
])
def test_typed_code_goes_to_its_survey(demo, client, codes, shape):
    response = client.get("/s/", query_string={"code": shape(codes[0])})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{codes[0]}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_look_alike_characters_are_refused_clearly_and_the_input_kept(client):
    typed = "ABCD-EF0H-JKMN-P1"
    response = client.get("/s/", query_string={"code": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "0、1" in html and "参评码中不会出现" in html
    assert f'value="{typed}"' in html


@pytest.mark.parametrize("typed, expected", [
    ("ABCD", "您输入了 4 位"),
    ("ABCD?EFGH", "?"),
    ("", "请输入"),
])
def test_malformed_codes_get_a_specific_message(client, typed, expected):
    response = client.get("/s/", query_string={"code": typed})
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)


def test_refusal_page_of_an_unknown_code_offers_the_box(client):
    html = client.get(f"/s/{code_tools.new_code()}").get_data(as_text=True)
    assert 'action="/s/"' in html and 'name="code"' in html


def test_read_typed_refuses_each_look_alike():
    for ch in "0O1IL":
        with pytest.raises(code_tools.TypedCodeError) as caught:
            code_tools.read_typed("ABCDEFGHJKMNP" + ch)
        assert caught.value.reason == "look_alike" and caught.value.found == ch
    assert code_tools.read_typed(" abcd efgh jkmn pq ") == "ABCDEFGHJKMNPQ"


def test_the_code_box_is_rate_limited(database_url):
    config = TestConfig(database_url)
    config.RATELIMIT_ENABLED = True
    config.CODE_RATE_LIMIT = "3 per minute"
    app = create_app(config)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    statuses = [client.get("/s/", query_string={"code": "ABCD"}).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 429, 429]
