"""Demo performance assessments (绩效考核) for 2025 and 2026 under the default scheme.

The upper unions' objective indicators are synthetic and deterministic (seeded by unit code
and year; a unit's strength carries over between years, with a small yearly change). One
veto finding per year shows 一票否决. The member, four-party and third-party figures come
from the demo campaigns where they exist; where a campaign is absent, its indicators are
missing and flagged (never zero). 2025 is published; 2026 is computed but not published
(its campaigns are still open). Idempotent: inputs already entered are left alone, and a
year already computed is not recomputed.
"""

from __future__ import annotations

import hashlib

import numpy as np
from sqlalchemy import select

from questionnaires.assessment import get_scheme
from survey_app.assessment.operations import compute, publish, set_objective, set_veto
from survey_app.assessment.queries import get_run
from survey_app.extensions import db
from survey_app.models import Campaign, Organisation, OrgKind, User
from survey_app.models.assessment import ObjectiveValue

SCHEME_KEY = "default"
YEARS = (2025, 2026)
VETOES = {
    2025: ("DEMO-G30", "major_incident", "2025年6月厂区群体性事件中工会处置不力（演示）"),
    2026: ("DEMO-G17", "leader_violation", "工会主席违反财务纪律受到处分（演示）"),
}


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _objective_values(code: str, year: int) -> dict[str, float]:
    strength = np.random.default_rng(_seed("strength", code)).uniform(0.0, 1.0)
    rng = np.random.default_rng(_seed("objective", code, year))
    s = float(np.clip(strength + (year - 2025) * 0.05 + rng.normal(0, 0.08), 0, 1))
    values = {
        "frontline_share": round(float(np.clip(0.5 + 0.35 * s + rng.normal(0, 0.05), 0, 1)), 3),
        "contract_coverage": round(float(np.clip(0.6 + 0.35 * s + rng.normal(0, 0.04), 0, 1)), 3),
        "six_haves": float(int(np.clip(round(3 + 3.4 * s + rng.normal(0, 0.5)), 0, 6))),
        "activities": float(int(max(0, round(2 + 12 * s + rng.normal(0, 2))))),
        "home_rate": round(float(np.clip(0.6 + 0.35 * s + rng.normal(0, 0.04), 0, 1)), 3),
        "partnering": float(int(max(0, round(10 * s - 3 + rng.normal(0, 2))))),
        "organisation_sound": 0.0 if rng.random() < 0.04 else 1.0,
    }
    # partnering activities are computed from the confirmed log, never typed (the draw stays
    # so that the other figures are the same as before)
    del values["partnering"]
    return values


def _chosen_campaigns(year: int) -> dict[str, str]:
    """The four-party evaluation is run by a district (DEMO-D01), not the city: the city
    chooses it for the assessment, as an admin would on the results page, once it has
    closed (an open campaign's figures are not released)."""
    code = f"DEMO-FOUR-{year}"
    found = db.session.scalar(select(Campaign.id).where(
        Campaign.code == code, Campaign.status.in_(("closed", "published"))))
    return {"four": code} if found is not None else {}


def load_demo_assessment() -> dict[int, dict[str, int]]:
    """Enter the demo inputs and compute 2025 and 2026; return the grade counts per year."""
    root = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-CITY"))
    if root is None:
        return {}
    scheme = get_scheme(SCHEME_KEY)
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    units = db.session.scalars(
        select(Organisation).where(Organisation.path.startswith(root.path),
                                   Organisation.kind == OrgKind.GRASSROOTS_UNION.value)
        .order_by(Organisation.code)).all()
    out: dict[int, dict[str, int]] = {}
    for year in YEARS:
        entered = db.session.scalar(select(ObjectiveValue.id).where(
            ObjectiveValue.scheme_key == scheme.key, ObjectiveValue.year == year).limit(1))
        if entered is None:
            for unit in units:
                for key, value in _objective_values(unit.code, year).items():
                    set_objective(scheme, year, unit, key, value, "演示数据（合成）", admin)
            code, item, reason = VETOES[year]
            target = next((u for u in units if u.code == code), None)
            if target is not None:
                set_veto(scheme, year, target, item, True, reason, admin)
            db.session.commit()
        run = get_run(scheme.key, year)
        if run is None:
            run = compute(scheme, year, user=admin, overrides=_chosen_campaigns(year))
            if year < max(YEARS):
                publish(run, admin)
            db.session.commit()
        counts: dict[str, int] = {}
        for r in run.results:
            counts[r.grade or r.status] = counts.get(r.grade or r.status, 0) + 1
        out[year] = dict(sorted(counts.items()))
    return out
