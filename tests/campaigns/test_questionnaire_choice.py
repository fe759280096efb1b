"""The new-campaign form offers the library and every published questionnaire version the
user may use: those of their own unit, of units below it and of units above it."""

from __future__ import annotations

from sqlalchemy import select

from questionnaires import load_questionnaire_text
from survey_app.extensions import db
from survey_app.models import Campaign, Organisation
from survey_app.permissions import can_use_questionnaire
from survey_app.questionnaire_versions import publish_questionnaire, version_choice
from tests.campaigns.test_views import _new_form, login
from tests.surveys.conftest import SMALL


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def published(key: str, owner: str | None) -> str:
    """Publish SMALL under ``key`` for ``owner`` (None: shared); return its choice value."""
    text = SMALL.replace("key: small_test", f"key: {key}", 1)
    q = load_questionnaire_text(text, f"{key}.yaml")
    version = publish_questionnaire(q, owner=org(owner) if owner else None)
    db.session.commit()
    return version_choice(version)


def test_form_offers_uploads_in_and_above_the_subtree(demo, client, auth):
    with demo.app_context():
        below = published("g01_own", "DEMO-G01")
        above = published("city_own", "DEMO-CITY")
        sibling = published("d02_own", "DEMO-D02")
        from survey_app.models import QuestionnaireVersion, User

        district = db.session.scalar(select(User).where(User.username == "district_admin"))
        versions = {v.key: v for v in db.session.scalars(select(QuestionnaireVersion))}
        assert can_use_questionnaire(district, versions["g01_own"])
        assert not can_use_questionnaire(district, versions["d02_own"])
    login(auth, "district_admin")
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert f'value="{below}"' in page and f'value="{above}"' in page
    assert f'value="{sibling}"' not in page
    assert 'value="member_evaluation"' in page  # the library is still offered

    form = _new_form(client) | {"groups-0-questionnaire": below}
    assert client.post("/campaigns/new", data=form).status_code == 302
    with demo.app_context():
        c = db.session.scalar(select(Campaign).where(Campaign.code == "W-PEER"))
        assert c.rater_groups[0].questionnaire_version.key == "g01_own"

    # another district's upload is refused by name too (a forged post, or a YAML file)
    form = _new_form(client) | {"code": "W-PEER-2", "groups-0-questionnaire": sibling}
    r = client.post("/campaigns/new", data=form)
    assert r.status_code == 422 and "no questionnaire" in r.get_data(as_text=True)
    form = _new_form(client) | {"code": "W-PEER-3", "groups-0-questionnaire": "d02_own"}
    assert client.post("/campaigns/new", data=form).status_code == 422


def test_upload_is_owned_by_the_publishing_unit(demo, client, auth):
    from tests.questionnaire_admin.test_questionnaire_cli_and_pages import _upload

    login(auth, "district_admin")
    html = _upload(client, SMALL.encode(), "small.yaml").get_data(as_text=True)
    import html as html_lib

    from tests.conftest import csrf_token_from

    definition = html.split('name="definition" type="hidden" value="')[1].split('"')[0]
    r = client.post("/questionnaires/publish", data={
        "csrf_token": csrf_token_from(html), "definition": html_lib.unescape(definition)})
    assert r.status_code == 302
    with demo.app_context():
        from survey_app.models import QuestionnaireVersion

        version = db.session.scalar(select(QuestionnaireVersion))
        assert version.owner_id == org("DEMO-D01").id
        choice = version_choice(version)
    assert f'value="{choice}"' in client.get("/campaigns/new").get_data(as_text=True)
