"""Assignment generation at federation scale: the pure rules, then through the database.

``python -m benchmarks.assignments [--units 5000] [--url sqlite:///...]`` builds a seeded
random federation of N units (at most 30 children per unit) and a cross, a peer (k = 3) and
a third-party campaign over it, and prints the assignment counts and the time each took.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()

    from sqlalchemy import insert, select

    from survey_app import create_app
    from survey_app.campaigns import rules
    from survey_app.campaigns.operations import create_campaign, generate_assignments
    from survey_app.config import TestConfig
    from survey_app.extensions import db
    from survey_app.models import Organisation, Role, User
    from survey_app.organisations.operations import recompute_paths

    edges = rules.random_tree(args.units, seed=5000, max_children=30)
    targets = [n for n, _ in edges]
    assessors = [f"bench_assessor_{i}" for i in range(50)]
    conflicts = {a: [2 + i] for i, a in enumerate(assessors[:25])}
    print(f"pure rules over {args.units} units:")
    for name, run in [
        ("upper", lambda: rules.upper_pairs(edges, targets)),
        ("lower", lambda: rules.lower_pairs(edges, targets)),
        ("peer (all)", lambda: rules.peer_pairs(edges, targets)),
        ("peer (k=3)", lambda: rules.peer_pairs(edges, targets, k=3, seed=1)),
        ("third party (50 assessors, 2 per unit)", lambda: rules.third_party_pairs(
            edges, targets, assessors, conflicts, per_target=2, seed=1)),
    ]:
        start = time.perf_counter()
        pairs = run()
        print(f"  {name:40} {len(pairs):8} pairs  {time.perf_counter() - start:7.3f} s")

    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    app = create_app(TestConfig(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.execute(insert(Organisation), [
            {"id": n, "code": f"B{n:05d}", "name": f"单位{n}",
             "kind": "federation" if p is None else "grassroots_union", "parent_id": p,
             "members": 100} for n, p in edges])
        recompute_paths(db.session.scalars(select(Organisation)).all())
        for a in assessors:
            db.session.add(User(username=a, role=Role.ASSESSOR.value, password_hash="x"))
        db.session.commit()
        print(f"through the database ({url.split(':')[0]}):")
        for definition in [
            {"code": "BENCH-CROSS", "groups": [
                {"key": "upper", "weight": 0.4, "questionnaire": "cross_upper_to_lower",
                 "rule": "upper"},
                {"key": "lower", "weight": 0.3, "questionnaire": "cross_lower_to_upper",
                 "rule": "lower"},
                {"key": "peer", "weight": 0.3, "questionnaire": "peer_evaluation",
                 "rule": "peer", "peers_per_target": 3}]},
            {"code": "BENCH-THIRD", "groups": [
                {"key": "assessors", "weight": 1, "questionnaire": "third_party",
                 "rule": "third_party", "assessors": assessors, "per_target": 2,
                 "conflicts": {a: [f"B{u:05d}" for u in us] for a, us in conflicts.items()}}]},
        ]:
            start = time.perf_counter()
            campaign = create_campaign({
                "code": definition["code"], "name": definition["code"], "kind": "cross",
                "year": 2026, "owner": "B00001", "targets": {"subtree": "B00001"},
                "rater_groups": [g | {"name": g["key"]} for g in definition["groups"]]})
            created = time.perf_counter() - start
            start = time.perf_counter()
            report = generate_assignments(campaign)
            print(f"  {campaign.code:12} create {created:6.2f} s, generate {report.total:6} "
                  f"assignments {report.by_group} in {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
