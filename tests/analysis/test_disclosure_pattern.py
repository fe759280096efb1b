"""The suppression pattern the report pages use (:func:`analysis.reports.disclosure_pattern`):
the unit tree, the rater-group cells and the per-group trees decided together, so that no
figure of one table can be subtracted from a figure of another to reveal a small group."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.disclosure_audit import audit, campaign_system
from analysis.reports import AUDIT_MAX_TARGETS, _group_cells, disclosure_pattern
from tests.analysis.test_disclosure_audit import K, leaks, random_campaign, subtract


def campaign(orgs: pd.DataFrame, scored: pd.DataFrame, anonymous: dict[str, bool] | None = None
             ) -> SimpleNamespace:
    keys = sorted(scored["rater_group"].unique())
    anonymous = anonymous or {}
    groups = pd.DataFrame({"key": keys, "anonymous": [anonymous.get(g, True) for g in keys]})
    return SimpleNamespace(organisations=orgs.assign(depth=orgs["path"].str.count("/") - 2),
                           groups=groups, min_group_size=K)


def pattern_of(orgs, scored, anonymous=None):
    data = campaign(orgs, scored, anonymous)
    cells = _group_cells(data, scored, K, 0.95)
    return data, disclosure_pattern(data, scored, cells, K)


def published_system(data, scored, pattern):
    """Every published table of the campaign as one system, with the pattern applied."""
    anon = data.groups.set_index("key")["anonymous"]
    trees = bool(pattern.trees)
    cells, rel = campaign_system(scored, data.organisations, anonymous=anon,
                                 unit_hidden=pattern.units, group_hidden=pattern.groups,
                                 group_trees=trees)
    hidden = {("unit_group", u, g) for g, t in pattern.trees.items() for u in t.index[t]}
    if hidden:
        cells.loc[[c in hidden for c in cells.index], "hidden"] = True
    return cells, rel


def scored_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["target_id", "rater_group", "overall"])


def test_a_group_report_and_the_all_groups_report_cannot_be_subtracted():
    # A branch (2) rated by 10 answers of one group of its own, and two units below it
    # rated by the other group: unit 3 by 7, unit 4 by 3. The report filtered to the other
    # group shows the branch pooled over 3 and 4 (10 = 7 + 3); the report of all answers
    # of a campaign whose groups may be pooled showed unit 3 (7 answers, all of that
    # group), so unit 4's 3 answers were 10 - 7. (A multi-level campaign never shows the
    # pooled report; the pattern treats it as published, which can only hide more.)
    orgs = pd.DataFrame({"id": [1, 2, 3, 4], "parent_id": [None, 1, 2, 2],
                         "path": ["/1/", "/1/2/", "/1/2/3/", "/1/2/4/"]})
    rng = np.random.default_rng(3)
    rows = ([(2, "branch", x) for x in rng.uniform(0, 100, 10)]
            + [(3, "group", x) for x in rng.uniform(0, 100, 7)]
            + [(4, "group", x) for x in (5.0, 20.0, 90.0)])
    scored = scored_frame(rows)
    data, pattern = pattern_of(orgs, scored)
    assert pattern.trees["group"][[3, 4]].all()  # the group tree hides both groups
    assert pattern.units[4] and pattern.units[3]  # so must the tree of all answers
    assert pattern.audited
    cells, rel = published_system(data, scored, pattern)
    learned, residuals = subtract(cells, rel, cells["hidden"] | ~cells["publishable"])
    assert leaks(cells, learned, residuals) == []
    assert audit(cells, rel, K).recoverable.empty


def test_a_targets_group_cells_are_its_own_answers_published():
    # Unit 1 has 6 answers of its own and two children: 2 (8 answers) and 3 (2 answers).
    # The tree rule hid 3 with 1's own answers as the hidden remainder; but 1's group cell
    # (its own answers, shown on the results page) is published, so 3 = 1 - 2 - group(1).
    orgs = pd.DataFrame({"id": [1, 2, 3], "parent_id": [None, 1, 1],
                         "path": ["/1/", "/1/2/", "/1/3/"]})
    rng = np.random.default_rng(4)
    rows = ([(1, "members", x) for x in rng.uniform(0, 100, 6)]
            + [(2, "members", x) for x in rng.uniform(0, 100, 8)]
            + [(3, "members", x) for x in (10.0, 80.0)])
    scored = scored_frame(rows)
    data, pattern = pattern_of(orgs, scored)
    cells, rel = published_system(data, scored, pattern)
    learned, residuals = subtract(cells, rel, cells["hidden"] | ~cells["publishable"])
    assert ("unit", 3) not in learned
    assert leaks(cells, learned, residuals) == []
    assert pattern.units[3] and (pattern.units[2] or pattern.groups[(1, "members")])


def test_named_groups_alone_are_not_sensitive():
    # an openly rated cross-evaluation: one upper union rates each unit; nothing is withheld
    # for being small beyond the tree rule, and the audit finds nothing to repair
    orgs = pd.DataFrame({"id": [1, 2, 3], "parent_id": [None, 1, 1],
                         "path": ["/1/", "/1/2/", "/1/3/"]})
    scored = scored_frame([(2, "upper", 60.0), (3, "upper", 80.0)])
    data, pattern = pattern_of(orgs, scored, {"upper": False})
    assert not pattern.groups.any()
    assert pattern.added == 0


@pytest.mark.slow
def test_random_campaigns_the_pages_pattern_resists_subtraction_and_the_lp():
    """100 random trees and rater-group layouts: every pair of the published tables, and
    all of them together, by subtraction; then the LP audit (Hundepool et al. 2012, 4.3)."""
    from itertools import combinations

    for seed in range(100):
        orgs, scored = random_campaign(seed, "AB" if seed % 2 else "ABC")
        anonymous = {"C": False} if seed % 3 == 0 else None
        data, pattern = pattern_of(orgs, scored, anonymous)
        assert pattern.audited, seed
        cells, rel = published_system(data, scored, pattern)
        hidden = cells["hidden"] | ~cells["publishable"]
        small = cells["n"].between(1, K - 1) & cells["sensitive"]
        assert hidden[small].all(), seed
        tables = sorted({c[0] for c in cells.index} - {"own"})
        for pair in combinations(tables, 2):
            learned, residuals = subtract(cells, rel, hidden, set(pair))
            assert leaks(cells, learned, residuals) == [], (seed, pair)
        res = audit(cells, rel, K)
        assert res.recoverable.empty, seed


def test_the_audit_has_a_budget_and_says_when_it_did_not_run():
    # a flat tree of many small units: more withheld cells than the audit takes on
    n_units = AUDIT_MAX_TARGETS + 50
    ids = list(range(1, n_units + 2))
    orgs = pd.DataFrame({"id": ids, "parent_id": [None] + [1] * n_units,
                         "path": ["/1/"] + [f"/1/{i}/" for i in ids[1:]]})
    scored = scored_frame([(i, "members", 50.0) for i in ids[1:] for _ in range(2)])
    _, pattern = pattern_of(orgs, scored)
    assert not pattern.audited and pattern.lp_solves == 0
    assert pattern.units[ids[1:]].all()  # the hierarchy rules still hide every small unit


def test_an_item_withheld_in_one_unit_is_not_its_parent_minus_its_siblings():
    # Unit 1 pools units 2, 3 and 4 (no answers of its own). Item q1 has 6, 8 and 2 valid
    # answers there ("don't know" elsewhere): the cell rule withholds q1 at unit 4, and q1
    # at unit 1 minus units 2 and 3 would give unit 4's two answers; q2 has no small cell.
    from analysis.reports import _item_tree_suppression

    orgs = pd.DataFrame({"id": [1, 2, 3, 4], "parent_id": [None, 1, 1, 1]})
    true = pd.DataFrame({
        "unit_id": [1, 2, 3, 4, 1, 2, 3, 4, 1],
        "item": ["q1"] * 4 + ["q2"] * 4 + ["dim:d"],
        "n_valid": [16.0, 6, 8, 2, 24, 8, 9, 7, 40],
        "n_satisfied": [10.0, 4, 5, 1, 12, 4, 4, 4, 22],
    })
    items = true.assign(suppressed=[False, False, False, True, False, False, False, False,
                                    False])
    items.loc[3, ["n_valid", "n_satisfied"]] = np.nan
    rows = np.ones(len(items), dtype=bool)
    out = _item_tree_suppression(items, true, rows, orgs, K).set_index(["item", "unit_id"])
    q1 = out.loc["q1"]
    assert q1.at[4, "suppressed"] and q1.at[2, "suppressed"]  # the smallest sibling goes too
    assert not q1.at[1, "suppressed"] and not q1.at[3, "suppressed"]
    assert np.isnan(q1.at[2, "n_satisfied"])
    hidden_n = true.query("item == 'q1' and unit_id in (2, 4)")["n_valid"].sum()
    assert hidden_n >= K  # what subtraction still gives is a pool of at least k
    assert not out.loc["q2", "suppressed"].any()


def test_an_index_a_rounding_error_above_100_is_audited_as_100():
    # a weighted mean of answers that are all 100 can come out as 100.00000000000001
    orgs = pd.DataFrame({"id": [1, 2, 3], "parent_id": [None, 1, 1],
                         "path": ["/1/", "/1/2/", "/1/3/"]})
    rows = ([(2, "members", 100.00000000000001)] * 6 + [(3, "members", 40.0)] * 2
            + [(1, "members", 70.0)] * 6)
    _, pattern = pattern_of(orgs, scored_frame(rows))
    assert pattern.audited and pattern.units[3]


def test_a_repair_that_cannot_finish_leaves_the_hierarchy_rules_and_says_so(monkeypatch):
    import analysis.disclosure_audit as audit_module

    def stuck(*args, **kwargs):
        raise RuntimeError("no cell left to protect cell [7]")

    monkeypatch.setattr(audit_module, "protect", stuck)
    orgs, scored = random_campaign(3, "AB")
    with pytest.warns(RuntimeWarning, match="left to the hierarchy rules"):
        data, pattern = pattern_of(orgs, scored)
    assert not pattern.audited and pattern.lp_solves == 0
    import analysis.reports as reports_module

    monkeypatch.setattr(reports_module, "AUDIT_MAX_TARGETS", -1)  # the rules alone
    _, rules = pattern_of(orgs, scored)
    assert pattern.units.equals(rules.units) and pattern.groups.equals(rules.groups)
    assert pattern.units.any()
