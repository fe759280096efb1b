"""Benchmark: the campaign assignment rules on a 5,000-unit tree (target: under 5 s).

    python -m benchmarks.rules [--units 5000] [--json]

Times upper, lower, peer (k = 3) and third-party pairs (60 assessors, 2 per target) over
every unit of a random tree with up to 30 children per unit, and prints the pairs made.
"""

from __future__ import annotations

import argparse
import json
import time

from survey_app.campaigns.rules import (
    lower_pairs,
    peer_pairs,
    random_tree,
    third_party_pairs,
    upper_pairs,
)

TARGET_S = 5.0


def run(units: int = 5000) -> dict[str, float | int | bool]:
    tree = random_tree(units, seed=11, max_children=30)
    targets = [n for n, _ in tree]
    start = time.perf_counter()
    cpu = time.process_time()
    pairs = (len(upper_pairs(tree, targets)) + len(lower_pairs(tree, targets))
             + len(peer_pairs(tree, targets, k=3, seed=1))
             + len(third_party_pairs(tree, targets, [f"a{i}" for i in range(60)],
                                     {f"a{i}": [i + 2] for i in range(30)}, per_target=2)))
    seconds = time.perf_counter() - start
    return {"units": units, "pairs": pairs, "seconds": round(seconds, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3),
            "target_met": seconds < TARGET_S}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.units)
    print(json.dumps(result) if args.json else
          f"{result['units']} units, {result['pairs']} pairs: {result['seconds']} s "
          f"(CPU {result['cpu_seconds']} s; target < {TARGET_S} s: "
          f"{'met' if result['target_met'] else 'NOT met'})")


if __name__ == "__main__":
    main()
