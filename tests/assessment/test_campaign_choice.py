"""Which campaigns feed an assessment: the assessing union's own by default, never a lower
union's without being chosen; the choice is stored with the run and offered on the page."""

from __future__ import annotations

import pytest

from survey_app.assessment.operations import AssessmentError, compute, resolve_campaigns
from survey_app.assessment.queries import campaign_candidates, get_run, load_scheme
from survey_app.extensions import db
from survey_app.models import Campaign
from tests.assessment.conftest import org, user
from tests.conftest import csrf_token_from

YEAR = 2031
BASE = f"/assessment/default/{YEAR}"


def add_campaign(code: str, owner: str, status: str, kind: str = "member") -> Campaign:
    camp = Campaign(code=code, name=f"{code} 会员评家", kind=kind, year=YEAR, status=status,
                    owner=org(owner))
    db.session.add(camp)
    return camp


@pytest.fixture
def two_member_campaigns(aapp):
    """The city's closed member campaign and G01's own, published (the one that used to
    win), and an open one of the city that no assessment may take (release policy)."""
    with aapp.app_context():
        add_campaign("CITY-MEMBER", "DEMO-CITY", "closed")
        add_campaign("CITY-OPEN", "DEMO-CITY", "open")
        add_campaign("G01-MEMBER", "DEMO-G01", "published")
        add_campaign("G01-DRAFT", "DEMO-G01", "draft")
        db.session.commit()
    return aapp


def test_default_is_the_assessing_unions_campaign_not_a_lower_ones(two_member_campaigns):
    with two_member_campaigns.app_context():
        scheme = load_scheme("default")
        assert resolve_campaigns(scheme, YEAR)["member"].code == "CITY-MEMBER"
        # both are offered for an explicit choice, the city's first; drafts never
        assert [c.code for c in campaign_candidates(scheme, YEAR)["member"]] == [
            "CITY-MEMBER", "G01-MEMBER"]
        assert resolve_campaigns(scheme, YEAR, {"member": "G01-MEMBER"})["member"].code == \
            "G01-MEMBER"
        assert resolve_campaigns(scheme, YEAR, {"member": ""})["member"] is None
        for bad, message in (("G01-DRAFT", "draft"), ("NOPE", "no campaign"),
                             ("CITY-OPEN", "still open")):
            with pytest.raises(AssessmentError, match=message):
                resolve_campaigns(scheme, YEAR, {"member": bad})


def test_a_lower_unions_campaign_alone_is_not_taken(aapp):
    with aapp.app_context():
        add_campaign("G01-MEMBER", "DEMO-G01", "published")
        add_campaign("G01-THIRD", "DEMO-G01", "published", kind="third_party")
        db.session.commit()
        scheme = load_scheme("default")
        assert resolve_campaigns(scheme, YEAR) == {"member": None, "four": None, "third": None}
        with pytest.raises(AssessmentError, match="needs member"):
            resolve_campaigns(scheme, YEAR, {"member": "G01-THIRD"})


def test_the_choice_is_stored_with_the_run_and_kept_on_recompute(two_member_campaigns):
    with two_member_campaigns.app_context():
        scheme = load_scheme("default")
        run = compute(scheme, YEAR, user=user("admin"), overrides={"member": "G01-MEMBER"})
        db.session.commit()
        prov = run.provenance["campaigns"]["member"]
        assert prov["code"] == "G01-MEMBER" and prov["owner"] == "DEMO-G01" and prov["chosen"]
        assert run.provenance["selection"] == {"member": "G01-MEMBER"}
        again = compute(scheme, YEAR)
        db.session.commit()
        assert again.provenance["campaigns"]["member"]["code"] == "G01-MEMBER"
        default = compute(scheme, YEAR, overrides={})
        db.session.commit()
        prov = default.provenance["campaigns"]["member"]
        assert prov["code"] == "CITY-MEMBER" and not prov["chosen"]
        assert prov["owner_name"] == org("DEMO-CITY").name


def login(auth, name, password):
    assert auth.login(name, password).status_code == 302


def test_results_page_offers_the_choice_and_computes_with_it(two_member_campaigns, client,
                                                             auth):
    login(auth, "admin", "demo-admin-2026")
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert 'name="slot_member"' in page and "G01-MEMBER" in page and "G01-DRAFT" not in page
    token = csrf_token_from(page)
    r = client.post(f"{BASE}/compute", data={"csrf_token": token, "slot_member": "default",
                                             "slot_four": "none", "slot_third": "default"})
    assert r.status_code == 302
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "<code>CITY-MEMBER</code>" in page
    r = client.post(f"{BASE}/compute", data={"csrf_token": token, "slot_member": "G01-MEMBER",
                                             "slot_four": "none", "slot_third": "default"})
    assert r.status_code == 302
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "<code>G01-MEMBER</code>" in page
    assert '<option selected value="G01-MEMBER">' in page  # the stored choice, pre-selected
    # an unknown choice is a clear 422 on the page, not a 500, and nothing is recomputed
    r = client.post(f"{BASE}/compute", data={"csrf_token": token, "slot_member": "G01-DRAFT",
                                             "slot_four": "none", "slot_third": "default"})
    assert r.status_code == 422 and 'role="alert"' in r.get_data(as_text=True)
    with two_member_campaigns.app_context():
        assert get_run("default", YEAR).provenance["selection"]["member"] == "G01-MEMBER"
