"""5,000 units through compute(): inputs read from the database, results stored, export."""

from __future__ import annotations

import time

import numpy as np
from sqlalchemy import insert, select

from survey_app.assessment.operations import compute
from survey_app.assessment.queries import export_bytes, load_scheme
from survey_app.extensions import db
from survey_app.models import Organisation
from survey_app.models.assessment import ObjectiveValue

N = 5000


def test_compute_5000_units(aapp):
    with aapp.app_context():
        scheme = load_scheme("objective_only")
        root = db.session.scalar(select(Organisation).where(Organisation.code == "DEMO-CITY"))
        parents = [root.id] + [o.id for o in db.session.scalars(select(Organisation).where(
            Organisation.kind == "district_federation"))]
        start_id = 100_000
        db.session.execute(insert(Organisation), [
            {"id": start_id + i, "code": f"S{i:05d}", "name": f"合成工会{i}",
             "kind": "grassroots_union", "parent_id": parents[i % len(parents)],
             "path": f"/{root.id}/{start_id + i}/", "depth": 1, "members": 100}
            for i in range(N)])
        rng = np.random.default_rng(5)
        rows = []
        for i in range(N):
            rows.append({"scheme_key": scheme.key, "year": 2026, "organisation_id": start_id + i,
                         "indicator": "coverage", "value": float(rng.uniform(0.5, 1)),
                         "note": ""})
            if i % 50:  # every 50th unit lacks its six "haves": missing, not zero
                rows.append({"scheme_key": scheme.key, "year": 2026,
                             "organisation_id": start_id + i, "indicator": "six",
                             "value": float(rng.integers(0, 7)), "note": ""})
        db.session.execute(insert(ObjectiveValue), rows)
        db.session.commit()

        start = time.perf_counter()
        run = compute(scheme, 2026)
        db.session.commit()
        elapsed = time.perf_counter() - start
        t0 = time.perf_counter()
        csv_bytes = export_bytes(scheme, run, "csv")
        export_s = time.perf_counter() - t0
        print(f"\ncompute(): {run.unit_count} units in {elapsed:.2f} s "
              f"(read inputs, assess, store); CSV export {export_s:.2f} s")
        assert run.unit_count == N
        assert csv_bytes.count(b"\r\n") == N + 1
        assert sum(1 for r in run.results if r.status == "incomplete") == N // 50
        assert elapsed < 60
