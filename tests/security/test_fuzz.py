"""Hypothesis-generated form posts: nothing returns a 500, nothing invalid is stored."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.member_surveys import codes as code_tools
from survey_app.models import AccessCode, Response
from tests.conftest import csrf_token_from

FIELDS = ["q1", "q2", "m1", "m2", "nps", "keep", "action", "unknown", "q1[]", "__class__", ""]
values = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(["satisfied", "basic", "dissatisfied", "na", "9", "-1", "1e309", "NaN",
                     "99999999999999999999999", "\x00", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
                     "<script>alert(1)</script>", "submit", "save"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
posts = st.dictionaries(st.sampled_from(FIELDS), st.one_of(values, st.lists(values, max_size=3)), max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=posts)
def test_fuzzed_member_posts(demo, client, codes, form):
    code = codes[0]
    token = csrf_token_from(client.get(f"/s/{code}").get_data(as_text=True))
    data = {"csrf_token": token, **form}
    response = client.post(f"/s/{code}", data=data)
    assert response.status_code < 500
    with demo.app_context():
        stored = db.session.scalars(select(Response)).all()
        used = db.session.scalar(select(AccessCode.used).where(AccessCode.code_hash == code_tools.code_hash(code)))
    if response.status_code == 302 and response.headers["Location"].endswith("/thanks"):
        # Only a complete, valid post may be stored; it then holds only valid, cleaned answers.
        assert len(stored) == 1 and used
        assert stored[0].answers["q1"] in {"satisfied", "basic", "dissatisfied"}
    elif response.status_code != 409:
        assert stored == [] and not used


def test_invalid_utf8_body_is_a_4xx(demo, client, codes):
    token = csrf_token_from(client.get(f"/s/{codes[1]}").get_data(as_text=True))
    body = b"csrf_token=" + token.encode() + b"&action=submit&q1=\xff\xfe\xfd&keep=%FF%FE"
    response = client.post(f"/s/{codes[1]}", data=body, content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
