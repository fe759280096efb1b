"""The demo 联手兴家: every pair state, the register, targets and the demo accounts."""

from __future__ import annotations

import os

from sqlalchemy import select

from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models.partnering import Honour, Pair, PairStatus
from survey_app.partnering import queries
from tests.partnering.conftest import org


def test_demo_pairs_cover_every_state(demo, tmp_path):
    from demo.partnering import load_demo_partnering

    demo.config["UPLOAD_FOLDER"] = str(tmp_path)
    with demo.app_context():
        assert load_demo_partnering() == 8
        assert load_demo_partnering() == 0  # idempotent
        pairs = db.session.scalars(select(Pair)).all()
        statuses = {(p.lead.code, p.partner.code): p.status(today()) for p in pairs}
        assert len(pairs) == 8
        assert set(statuses.values()) == {PairStatus.NEW, PairStatus.ACTIVE, PairStatus.LAPSED,
                                          PairStatus.FINISHED, PairStatus.PROPOSED}
        g01 = statuses[("DEMO-G02", "DEMO-G01")]
        assert g01 == PairStatus.ACTIVE
        assert queries.model_honour_level(org("DEMO-G02")) == "city"
        active = next(p for p in pairs if p.partner.code == "DEMO-G01")
        months = {(a.held_on.year, a.held_on.month) for a in active.activities if a.confirmed_at}
        assert len(months) == 9  # one confirmed activity each month since pairing
        assert all(os.path.exists(os.path.join(tmp_path, "partnering", a.photo_name))
                   for a in active.activities)
        lapsed = [p for p in pairs if p.status(today()) == PairStatus.LAPSED]
        assert all(p.months_without_activity(today()) > 3 for p in lapsed)
        notes = [n for p in pairs for n in p.notes]
        assert {n.answer is None for n in notes} == {True, False}
        below = {b["unit"].code for b in queries.leads_below_target(org("DEMO-CITY"),
                                                                     today().year)}
        assert {"DEMO-G05", "DEMO-G14", "DEMO-G27"} <= below
        years = set(db.session.scalars(select(Honour.year)))
        assert len(years) >= 5


def test_demo_lead_and_partner_accounts_log_in(demo, auth):
    assert auth.login("lead_g02", "demo-lead-g02-2026").status_code == 302
    auth.logout()
    assert auth.login("partner_g01", "demo-partner-g01-2026").status_code == 302


def test_demo_showcase_has_a_published_highlight_and_one_awaiting(demo, tmp_path):
    from demo.partnering import load_demo_highlights, load_demo_partnering
    from survey_app.models.partnering import Highlight

    demo.config["UPLOAD_FOLDER"] = str(tmp_path)
    with demo.app_context():
        load_demo_partnering()
        assert load_demo_highlights() == 0  # idempotent
        highlights = db.session.scalars(select(Highlight).order_by(Highlight.id)).all()
        assert [h.published for h in highlights] == [True, False]
        published = highlights[0]
        assert (published.pair.lead.code, published.pair.partner.code) == ("DEMO-G02",
                                                                           "DEMO-G01")
        assert len(published.photo_activities()) == 2
        assert queries.showcase(org("DEMO-CITY")) == [published]
    client = demo.test_client()
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"username": "evaluator_g01", "password": "demo-eval-2026",
                                     "csrf_token": token})
    body = client.get("/partnering/showcase").get_data(as_text=True)
    assert published.title in body and "技能比武共办" not in body
