"""Report assembly (报告): the tables behind the dashboards, the 台账 workbook and the PDF.

A :class:`CampaignReport` is built once from a :class:`analysis.data.CampaignData`: the
responses are scored, rolled up the organisation tree and put through disclosure control,
and every table the pages and exports show is cut from it, so the same cells are suppressed
everywhere (a page, a workbook and a PDF can never be subtracted from each other).

Disclosure (see :mod:`analysis.disclosure`)
-------------------------------------------
* Unit figures come from the pooled roll-up (:func:`analysis.rollup.rollup`) with primary
  and complementary suppression over the **whole** tree
  (:func:`analysis.disclosure.complementary_suppression`), computed before any user's scope
  is applied. A suppressed unit has every figure blanked (``NaN``), its count included.
* Within a published unit, a dimension index resting on fewer than ``k`` respondents is
  blanked too (``dim:<d>`` with ``dim:<d>_n < k``).
* Item statistics and answer distributions are additive counts over the same tree, so they
  are shown exactly for the published units (same equations, same mask).
* Rater-group cells of a target are published beside the tree; the pattern of the tree,
  the rater-group cells and each group's tree is decided for all of them together
  (:func:`disclosure_pattern`: the groups as leaves of one tree, each group's tree, then
  the LP audit and repair of :mod:`analysis.disclosure_audit`), and every cell of a
  suppressed unit is hidden.
* Raw (respondent-level) rows are released (:func:`released_rows`) only for targets that
  are published, have no responding units below them (their figure is then exactly their
  rows) and whose rater-group cell is published; releasing rows of a complementary-
  suppressed unit would undo the suppression.
* Comments (:func:`comments_for`) only for a published target with at least ``k``
  responses, shuffled, bare text.

Known limits: the LP audit is skipped above :data:`AUDIT_MAX_TARGETS` withheld cells
(the hierarchy rules still apply); the item tables get the cell rule inside each published
unit, the dimension-row rule and the tree rule per item, not the LP audit.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.data import CampaignData
from analysis.disclosure import (
    apply_cell_rules,
    complementary_suppression,
    composite_hidden,
    dimension_rows,
    release_comments,
)
from analysis.indices import item_satisfaction, unit_indices, wilson_interval
from analysis.rankings import distinct_names
from analysis.rollup import ancestors, rollup, rollup_stats
from analysis.scoring import DIM_PREFIX, NA, score_campaign, version_parts
from questionnaires.vocabulary import OrgKind, zh_names

#: The scoring rule, for the cover sheet and the PDF (method statement).
SCORING_RULE = (
    "题目得分 = 100 ×（选项值 − 最小值）/（最大值 − 最小值），反向题取 100 − 得分；"
    "“不了解/不适用”和未答不计分。维度指数为该维度已答题目的加权平均（至少答一半题目）；"
    "总体满意度为各维度按权重的加权平均（缺失维度时权重重新归一）。"
    "满意率 = 满意选项的答案数 / 有效答案数，区间为 Wilson 95% 置信区间；"
    "上级单位的结果由下属单位全部答卷合并计算（不是平均的平均）。"
)


@dataclass
class Labels:
    """Display names (Chinese on the platform) of a campaign's dimensions, items, answer
    values and rater groups. Missing names fall back to the ids."""

    dimensions: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    item_dimension: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[int, str]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    comment_fields: list[str] = field(default_factory=list)

    def dimension(self, d: str) -> str:
        return self.dimensions.get(d, d)

    def item(self, i: str) -> str:
        return self.items.get(i, i)

    def group(self, g: str) -> str:
        return self.groups.get(g, g)


def labels_from_questionnaires(questionnaires: Iterable[Any],
                               groups: Mapping[str, str] | None = None,
                               lang: str = "zh") -> Labels:
    """Labels from ``questionnaires.Questionnaire`` objects (sections = dimensions, scored
    items, scale points); text questions become the comment fields."""
    out = Labels(groups=dict(groups or {}))

    def txt(t: Any) -> str:
        return (t.en if lang == "en" and t.en else t.zh) if t is not None else ""

    for q in questionnaires:
        for s in q.sections:
            out.dimensions.setdefault(s.id, txt(s.title))
        for f in q.fields():
            if f.type == "text" and f.kind == "question" and f.id not in out.comment_fields:
                out.comment_fields.append(f.id)
            if f.type != "likert" or f.scale is None:
                continue
            label = txt(f.item.label) if f.item is not None else txt(f.question.label)
            out.items.setdefault(f.id, label)
            out.item_dimension.setdefault(f.id, f.section.id)
            out.values.setdefault(f.id, {p.value: txt(p.label) for p in f.scale.points})
    return out


def default_labels(data: CampaignData) -> Labels:
    """Labels that are just the ids (for analysts without the questionnaire definitions)."""
    out = Labels(groups=dict(zip(data.groups["key"], data.groups["name"], strict=True)))
    for spec in data.items.values():
        for item, row in spec.iterrows():
            out.item_dimension.setdefault(item, row["dimension"])
            out.values.setdefault(item, {v: str(v) for v in range(row["min"], row["max"] + 1)})
    return out


@dataclass
class CampaignReport:
    """Everything a campaign's pages and exports show, disclosure control applied.

    Attributes
    ----------
    units : DataFrame
        Indexed by unit id: ``code, name, kind, parent_id, depth, path, is_target`` and the
        figures of :func:`analysis.indices.unit_indices` pooled over the unit's subtree,
        with ``suppressed`` / ``suppression``; only units with responses in their subtree.
    items : DataFrame
        Long: ``unit_id, item, n_valid, n_satisfied, rate, ci_low, ci_high`` (rows ``dim:<d>``
        pool a dimension's items); blank for suppressed units.
    values : DataFrame
        Long answer counts ``unit_id, item, value, count`` (published units only).
    group_cells : DataFrame
        Per (target, rater group): ``n, overall, satisfaction_rate ...`` with ``suppressed``.
    daily : DataFrame
        Responses per (target, month): ``target_id, day, n`` with ``day`` the first day of
        the month (raw; cut per published unit). No finer time is kept.
    """

    data: CampaignData
    scored: pd.DataFrame
    units: pd.DataFrame
    items: pd.DataFrame
    values: pd.DataFrame
    group_cells: pd.DataFrame
    daily: pd.DataFrame
    labels: Labels
    dimensions: list[str]
    rater_group: str | None = None
    confidence: float = 0.95

    @property
    def k(self) -> int:
        return self.data.min_group_size

    def unit_id(self, code: str) -> int | None:
        hit = self.data.organisations.loc[self.data.organisations["code"] == code, "id"]
        return None if hit.empty else int(hit.iloc[0])

    def is_published(self, unit_id: int) -> bool:
        return unit_id in self.units.index and not bool(self.units.at[unit_id, "suppressed"])


# ---------------------------------------------------------------- building


def _subset(data: CampaignData, rater_group: str | None) -> CampaignData:
    if rater_group is None:
        return data
    if rater_group not in set(data.groups["key"]):
        raise ValueError(f"unknown rater group {rater_group!r}")
    resp = data.responses[data.responses["rater_group"] == rater_group].reset_index(drop=True)
    return dataclasses.replace(data, responses=resp)


@dataclass(frozen=True)
class DisclosurePattern:
    """Which unit, rater-group and per-group-tree cells of a campaign are withheld, decided
    for all of its published tables at once (:func:`disclosure_pattern`).

    Attributes
    ----------
    units : Series
        Hidden, by unit id: the unit tree of all responses.
    groups : Series
        Hidden, by ``(target_id, rater_group)``.
    trees : dict
        Per rater group key, hidden by unit id: the tree of that group's responses (the
        report filtered to one group); empty when the campaign has a single group.
    added : int
        Cells the joint audit withheld beyond the table-by-table rules.
    lp_solves : int
        Linear programmes the audit solved.
    audited : bool
        Whether the linear-programming audit ran (False above :data:`AUDIT_MAX_TARGETS`).
    """

    units: pd.Series
    groups: pd.Series
    trees: dict[str, pd.Series]
    added: int = 0
    lp_solves: int = 0
    audited: bool = True


#: The linear-programming audit costs about six small LPs (2-3 ms each on this project's
#: reference machine) per withheld small cell; above this many such cells a report's
#: pattern rests on the hierarchy rules alone (docs/anonymity.md, "Complementary
#: suppression").
AUDIT_MAX_TARGETS = 300


def _pooled_counts(scored: pd.DataFrame, orgs: pd.DataFrame,
                   anc: pd.DataFrame | None = None) -> pd.DataFrame:
    """Responses of every unit's subtree (``n``) with ``parent_id``: units with any
    (``anc``: :func:`analysis.rollup.ancestors` of ``orgs``, if already computed)."""
    per = scored.groupby("target_id").size()
    anc = ancestors(orgs) if anc is None else anc
    anc = anc[anc["id"].isin(per.index)]
    n = pd.Series(per.reindex(anc["id"]).to_numpy(), index=anc["ancestor_id"].to_numpy())
    n = n.groupby(level=0).sum()
    parent = orgs.set_index("id")["parent_id"].reindex(n.index)
    return pd.DataFrame({"n": n.astype(float), "parent_id": parent})


def disclosure_pattern(data: CampaignData, scored: pd.DataFrame, group_cells: pd.DataFrame,
                       k: int | None = None) -> DisclosurePattern:
    """The suppression of a campaign's unit tree, rater-group cells and per-group trees,
    made safe against subtraction across all of them together.

    The table-by-table rules come first (complementary suppression of the tree, of each
    target's rater groups, and of each group's tree, as the report of one group applies
    it); the whole system is then audited and repaired by linear programming
    (:func:`analysis.disclosure_audit.protect`), which only ever withholds more. Named
    groups (rating openly) are published whatever their size but take part in the
    relations. The audited figure is the overall index of the responses that have one.

    ``scored`` holds every response of the campaign; ``group_cells`` is
    :func:`_group_cells` of it.
    """
    from analysis.disclosure_audit import campaign_system, masks, protect

    k = data.min_group_size if k is None else k
    orgs = data.organisations
    anonymous = data.groups.set_index("key")["anonymous"].astype(bool)
    anc = ancestors(orgs)
    units = complementary_suppression(_pooled_counts(scored, orgs, anc), "n", k)["suppressed"]
    groups = group_cells.set_index(["target_id", "rater_group"])["suppressed"].astype(bool)
    units, groups = _one_tree(scored, orgs, anonymous, k, units, groups, anc)
    keys = [g for g in data.groups["key"] if (scored["rater_group"] == g).any()]
    trees: dict[str, pd.Series] = {}
    if len(keys) > 1:
        for g in keys:
            tree = complementary_suppression(
                _pooled_counts(scored[scored["rater_group"] == g], orgs, anc), "n",
                k)["suppressed"]
            in_g = groups.xs(g, level="rater_group")
            trees[g] = tree | pd.Series(tree.index.isin(in_g.index[in_g.to_numpy()]),
                                        index=tree.index)
    valued = scored[scored["overall"].notna()]
    # a weighted mean of 100s can come out a rounding error above 100 (100.00000000000001)
    valued = valued.assign(overall=valued["overall"].clip(0.0, 100.0))
    if valued.empty:
        return DisclosurePattern(units, groups, trees)
    if (groups.sum() + units.sum() + sum(int(t.sum()) for t in trees.values())
            > AUDIT_MAX_TARGETS):
        return DisclosurePattern(units, groups, trees, audited=False)
    cells, relations = campaign_system(
        valued, orgs, value="overall", anonymous=anonymous, unit_hidden=units,
        group_hidden=groups, group_trees=bool(trees))
    given = {("unit_group", u, g) for g, tree in trees.items() for u in tree.index[tree]}
    if given:
        cells.loc[[c in given for c in cells.index], "hidden"] = True
    before = cells["hidden"].to_numpy(bool).copy()
    try:
        result = protect(cells, relations, k)
    except RuntimeError as error:  # a target the greedy repair cannot protect: never a 500
        code = getattr(data, "campaign_code", "") or "a campaign"
        warnings.warn(f"disclosure audit of {code} left to the "
                      f"hierarchy rules: {error}", RuntimeWarning, stacklevel=2)
        return DisclosurePattern(units, groups, trees, audited=False)
    # A cell the audit withholds as small counts respondents with an overall index; where
    # its response count reaches k, the cell rule withholds just that index (and the
    # complementary cells chosen to protect it are withheld here).
    small_index = (result.reason == "primary").to_numpy() & ~before
    result = dataclasses.replace(
        result, hidden=result.hidden & ~pd.Series(small_index, index=result.hidden.index))
    added = int((result.hidden.to_numpy() & ~before & cells["publishable"].to_numpy()).sum())
    split = masks(result)
    units = units | split["unit"].reindex(units.index, fill_value=False)
    groups = groups | split["group"].reindex(groups.index, fill_value=False)
    if trees and "unit_group" in split:
        per = split["unit_group"]
        for g, tree in trees.items():
            mine = per[per.index.get_level_values(1) == g]
            mine.index = mine.index.get_level_values(0)
            trees[g] = tree | mine.reindex(tree.index, fill_value=False)
    return DisclosurePattern(units, groups, trees, added, result.lp_solves)


def _one_tree(scored: pd.DataFrame, orgs: pd.DataFrame, anonymous: pd.Series, k: int,
              units: pd.Series, groups: pd.Series, anc: pd.DataFrame | None = None
              ) -> tuple[pd.Series, pd.Series]:
    """The unit tree and the rater-group cells as one hierarchy, on anonymous responses.

    A target's rater-group cells are published beside its pooled figure, so its own
    responses are not a hidden remainder (as the tree rule alone assumes) but the sum of
    published cells. Putting the group cells in the tree as the target's leaves
    (``unit(T) = sum unit(children) + sum group(T, g)``) makes one hierarchy that the tree
    rule protects (:func:`analysis.disclosure.complementary_suppression`). Named groups'
    cells are published whatever their size, so only anonymous responses are counted:
    a published total minus published named cells is the anonymous part.
    """
    named = [g for g, is_anonymous in anonymous.items() if not bool(is_anonymous)]
    anon = ~scored["rater_group"].isin(named).to_numpy(bool)  # unknown groups: anonymous
    a = scored[anon]
    if a.empty:
        return units, groups
    tree = _pooled_counts(a, orgs, anc)
    cells = a.groupby(["target_id", "rater_group"]).size()
    table = pd.concat([
        pd.DataFrame({"n": tree["n"].to_numpy(),
                      "parent": [f"u:{int(p)}" if pd.notna(p) else np.nan
                                 for p in tree["parent_id"]]},
                     index=[f"u:{u}" for u in tree.index]),
        pd.DataFrame({"n": cells.to_numpy(float),
                      "parent": [f"u:{t}" for t in cells.index.get_level_values(0)]},
                     index=[f"g:{t}:{g}" for t, g in cells.index]),
    ])
    table.loc[~table["parent"].isin(table.index), "parent"] = np.nan
    hidden = complementary_suppression(table, "n", k, parent_col="parent")["suppressed"]
    hu = pd.Series(hidden.loc[[f"u:{u}" for u in tree.index]].to_numpy(), index=tree.index)
    hg = pd.Series(hidden.loc[[f"g:{t}:{g}" for t, g in cells.index]].to_numpy(),
                   index=cells.index)
    units = units | hu.reindex(units.index, fill_value=False)
    groups = groups | hg.reindex(groups.index, fill_value=False)
    return units, groups


def build_report(data: CampaignData, labels: Labels | None = None, *,
                 rater_group: str | None = None, confidence: float = 0.95) -> CampaignReport:
    """Score, roll up and suppress a campaign (optionally one rater group's responses).

    The suppression is the campaign's :func:`disclosure_pattern`, the same for the report
    of all groups and for the report of each group. Raises ``ValueError`` when the
    campaign (or the group) has no responses.
    """
    labels = labels or default_labels(data)
    k = data.min_group_size
    full_scored = score_campaign(data)
    full_groups = _group_cells(data, full_scored, k, confidence)
    pattern = disclosure_pattern(data, full_scored, full_groups, k)
    sub = _subset(data, rater_group)
    if sub.responses.empty:
        raise ValueError("no responses to report")
    scored = full_scored if rater_group is None else score_campaign(sub)
    orgs = data.organisations
    roll = rollup(scored, orgs, confidence=confidence)
    meta = orgs.set_index("id")[["code", "name", "kind", "path"]]
    roll = roll.join(meta)
    targets = set(scored["target_id"].unique())
    roll["is_target"] = roll.index.isin(list(targets))
    dims = [c[len(DIM_PREFIX):] for c in roll.columns
            if str(c).startswith(DIM_PREFIX) and not str(c).endswith("_n")]
    figures = [c for c in roll.columns if c not in ("code", "name", "kind", "path", "parent_id",
                                                   "depth", "is_target")]
    units = complementary_suppression(roll, "n", k, value_cols=figures)
    joint = pattern.units if rater_group is None else pattern.trees.get(rater_group)
    if joint is not None:  # the campaign's pattern over all its tables
        extra = joint.reindex(units.index, fill_value=False).to_numpy(bool)
        extra &= ~units["suppressed"].to_numpy(bool)
        if extra.any():
            units = _hide(units, extra, "complementary")
    published = units.index[~units["suppressed"].to_numpy()]

    items, values = _item_tables(sub, scored, orgs, confidence)
    # the cell rule inside published units, and derived figures with their sources, where
    # anonymous answers are counted (named raters, who rate openly, are shown whatever
    # their number, as in _group_cells)
    sensitive = _anonymous_items(data, rater_group, labels.item_dimension)
    if sensitive:
        units, checked, _ = apply_cell_rules(units, items, None, k)
        rows = items["item"].isin(sensitive).to_numpy()
        counts = ["n_valid", "n_satisfied"]
        checked[counts] = checked[counts].astype(float)
        items = items.assign(suppressed=False)
        items[counts] = items[counts].astype(float)
        true_counts = items[["unit_id", "item", *counts]].copy()
        items.loc[rows] = checked.loc[rows, items.columns]
        items["suppressed"] = items["suppressed"].astype(bool)
        items = _item_tree_suppression(items, true_counts, rows, orgs, k)
        shown = pd.MultiIndex.from_frame(items.loc[~items["suppressed"], ["unit_id", "item"]])
        values = values[pd.MultiIndex.from_frame(values[["unit_id", "item"]]).isin(shown)]
    else:
        items = items.assign(suppressed=False)
    items[["n_valid", "n_satisfied"]] = items[["n_valid", "n_satisfied"]].astype(float)
    items = items[items["unit_id"].isin(published)].reset_index(drop=True)
    values = values[values["unit_id"].isin(published)].reset_index(drop=True)
    items, values = _pooled_rows_of_thin_items(items, values, labels.item_dimension)
    group_cells = full_groups.copy()
    joint_groups = pattern.groups.reindex(
        pd.MultiIndex.from_frame(group_cells[["target_id", "rater_group"]]), fill_value=False)
    extra = joint_groups.to_numpy(bool) & ~group_cells["suppressed"].to_numpy(bool)
    if extra.any():
        figure_cols = [c for c in group_cells.columns if c not in (
            "target_id", "rater_group", "suppressed", "anonymous")]
        group_cells.loc[extra, figure_cols] = np.nan
        group_cells.loc[extra, "suppressed"] = True
    unit_hidden = ~group_cells["target_id"].isin(published)
    group_cells.loc[unit_hidden, "suppressed"] = True
    # the month is the finest time any page or export shows (docs/anonymity.md)
    daily = (scored.assign(day=_month(scored["submitted_on"]))
             .groupby(["target_id", "day"]).size().rename("n").reset_index())
    return CampaignReport(data=sub, scored=scored, units=units, items=items, values=values,
                          group_cells=group_cells, daily=daily, labels=labels, dimensions=dims,
                          rater_group=rater_group, confidence=confidence)


def _anonymous_items(data: CampaignData, rater_group: str | None,
                     dimension_of: Mapping[str, str]) -> set[str]:
    """Items (and their ``dim:<d>`` rows) answered by an anonymous group of the report: the
    cells the cell rule covers. Items only named raters answer (units, accounts, rating
    openly) are shown whatever their number, as their group cells are (:func:`_group_cells`)."""
    groups = data.groups
    if rater_group is not None:
        groups = groups[groups["key"] == rater_group]
    if "anonymous" in groups.columns:
        groups = groups[groups["anonymous"].astype(bool)]
    items: set[str] = set()
    for vid in groups["questionnaire_version_id"]:
        spec = data.items.get(int(vid))
        if spec is not None:
            items |= {str(i) for i in spec.index}
    return items | {DIM_PREFIX + str(dimension_of.get(i, "")) for i in items}


def _item_tree_suppression(items: pd.DataFrame, true_counts: pd.DataFrame, rows: np.ndarray,
                           orgs: pd.DataFrame, k: int) -> pd.DataFrame:
    """Complementary suppression of each item along the tree: an item withheld in one unit
    by the cell rule (fewer than ``k`` valid answers) could otherwise be its parent's item
    minus its siblings' (:func:`analysis.disclosure.complementary_suppression`, per item,
    on the valid answers, with the withheld cells and units given). ``true_counts`` are the
    counts before the cell rule; ``rows`` marks the items anonymous raters answer.
    ``dim:<d>`` rows go with their dimension index and with any withheld item of theirs
    (:func:`_pooled_rows_of_thin_items`)."""
    sub = true_counts.loc[rows].copy()
    sub["suppressed"] = items.loc[rows, "suppressed"].to_numpy(bool)
    sub = sub[~dimension_rows(sub["item"].astype(str))]
    if not sub["suppressed"].any():
        return items
    parent = orgs.set_index("id")["parent_id"]
    extra: list = []
    for _, cells in sub.groupby("item", sort=False):
        if not cells["suppressed"].any():
            continue
        table = pd.DataFrame({"n": cells["n_valid"].to_numpy(float),
                              "parent_id": parent.reindex(cells["unit_id"]).to_numpy()},
                             index=cells["unit_id"].to_numpy())
        out = complementary_suppression(table, "n", k,
                                        hidden=cells["suppressed"].to_numpy(bool))
        more = out["suppressed"].to_numpy(bool) & ~cells["suppressed"].to_numpy(bool)
        extra.extend(cells.index[more])
    if not extra:
        return items
    items = items.copy()
    items.loc[extra, [c for c in ("n_valid", "n_satisfied", "rate", "ci_low", "ci_high")
                      if c in items.columns]] = np.nan
    items.loc[extra, "suppressed"] = True
    return items


def _pooled_rows_of_thin_items(items: pd.DataFrame, values: pd.DataFrame,
                               dimension_of: Mapping[str, str]
                               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complementary suppression of a dimension's pooled row (``dim:<d>``) against its
    items: where one item of a published unit is withheld by the cell rule, the pooled row
    minus the unit's other items of that dimension would give the withheld item's counts,
    so the pooled row is withheld too."""
    is_dim = dimension_rows(items["item"])
    thin = (~is_dim) & items["suppressed"].to_numpy(bool)
    if not (thin.any() and is_dim.any()):
        return items, values
    cover = {(u, DIM_PREFIX + str(dimension_of.get(i, ""))) for u, i in zip(
        items.loc[thin, "unit_id"], items.loc[thin, "item"], strict=True)}
    extra = is_dim & ~items["suppressed"].to_numpy(bool) & np.array(
        [(u, i) in cover for u, i in zip(items["unit_id"], items["item"], strict=True)])
    if not extra.any():
        return items, values
    items = items.copy()
    items.loc[extra, [c for c in ("n_satisfied", "rate", "ci_low", "ci_high")
                      if c in items.columns]] = np.nan
    items.loc[extra, "suppressed"] = True
    return items, values


def _month(days: pd.Series) -> pd.Series:
    """Dates cut to the first day of their month."""
    return pd.to_datetime(days).dt.to_period("M").dt.to_timestamp()


def _hide(table: pd.DataFrame, mask: np.ndarray, reason: str) -> pd.DataFrame:
    out = table.copy()
    keep = {"code", "name", "kind", "path", "parent_id", "depth", "is_target", "suppressed",
            "suppression"}
    for c in out.columns:
        if c not in keep and pd.api.types.is_numeric_dtype(out[c]):
            out.loc[mask, c] = np.nan
    out.loc[mask, "suppressed"] = True
    out.loc[mask, "suppression"] = reason
    return out


def _item_tables(data: CampaignData, scored: pd.DataFrame, orgs: pd.DataFrame,
                 confidence: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Item satisfaction counts and answer-value counts per target, rolled up the tree."""
    parts, counts = [], []
    resp = data.responses
    for vid, grp in version_parts(resp):
        spec = data.items[vid]
        sat = item_satisfaction(grp[list(spec.index)], spec, confidence,
                                by=grp["target_id"].to_numpy())
        parts.append(sat[["n_valid", "n_satisfied"]])
        # Answer counts per (target, item, value): one bincount per item over the int8
        # column, not a 30x longer melted frame (1M x 30: 0.1 s instead of 6 s).
        t_codes, t_ids = pd.factorize(grp["target_id"].to_numpy())
        for item in spec.index:
            v = grp[item].to_numpy()
            ok = v >= 0
            if not ok.any():
                continue
            width = int(v[ok].max()) + 1
            table = np.bincount(t_codes[ok] * width + v[ok].astype(np.int64),
                                minlength=len(t_ids) * width).reshape(len(t_ids), width)
            present = np.flatnonzero(table.sum(axis=0))
            counts.append(pd.DataFrame(
                table[:, present], index=pd.Index(t_ids, name="target_id"),
                columns=pd.MultiIndex.from_arrays([[item] * len(present), present],
                                                  names=["item", "value"])))
    # (stat, item) and (item, value) column levels all the way: no string keys to split
    # (splitting them was most of the report's time on a tree of 5,000 units)
    sat = pd.concat(parts).groupby(level=[0, 1]).sum()
    wide = sat.unstack("item").fillna(0)
    wide.index.name = "target_id"
    pooled = rollup_stats(wide, orgs)
    items = pooled.stack("item", future_stack=True).reset_index()
    items = items.sort_values(["unit_id", "item"], kind="stable")
    items = items[items["n_valid"] > 0].copy()
    low, high = wilson_interval(items["n_satisfied"].to_numpy(float),
                                items["n_valid"].to_numpy(float), confidence)
    items["rate"] = items["n_satisfied"] / items["n_valid"]
    items["ci_low"], items["ci_high"] = low, high
    items[["n_valid", "n_satisfied"]] = items[["n_valid", "n_satisfied"]].astype(np.int64)
    cw = pd.concat(counts, axis=1).fillna(0)
    if cw.columns.duplicated().any():  # an item in several questionnaire versions
        cw = cw.T.groupby(level=[0, 1]).sum().T
    pooled_c = rollup_stats(cw, orgs)
    vl = pooled_c.stack(["item", "value"], future_stack=True).rename("count").reset_index()
    vl["value"] = vl["value"].astype(int)
    vl["count"] = vl["count"].astype(np.int64)
    vl = vl.loc[vl["count"] > 0, ["unit_id", "count", "item", "value"]].reset_index(drop=True)
    return items[["unit_id", "item", "n_valid", "n_satisfied", "rate", "ci_low", "ci_high"]], vl


def _group_cells(data: CampaignData, scored: pd.DataFrame, k: int,
                 confidence: float) -> pd.DataFrame:
    """Per (target, rater group) figures with disclosure control.

    Anonymous groups of a target form a two-level table (their pool = the sum of their
    cells) with complementary suppression. Named groups (units and accounts that rate
    openly, ``anonymous`` False) are published whatever their size, except where the
    target's anonymous pool is non-empty but below ``k``: the unit total minus the named
    cells would then give the small pool's figure, so the named cells are hidden too.
    """
    cells = unit_indices(scored, by=["target_id", "rater_group"], confidence=confidence)
    cells = cells.reset_index()
    anon_keys = set(data.groups.loc[data.groups["anonymous"].astype(bool), "key"])
    anon = cells["rater_group"].isin(anon_keys).to_numpy()
    mask = np.zeros(len(cells), dtype=bool)
    if anon.any():
        a = cells[anon]
        totals = a.groupby("target_id")["n"].sum()
        keys = [f"g:{t}:{g}" for t, g in zip(a["target_id"], a["rater_group"], strict=True)]
        table = pd.concat([
            pd.DataFrame({"n": totals.to_numpy(), "parent": np.nan},
                         index=[f"u:{t}" for t in totals.index]),
            pd.DataFrame({"n": a["n"].to_numpy(),
                          "parent": [f"u:{t}" for t in a["target_id"]]}, index=keys),
        ])
        sup = complementary_suppression(table, "n", k, parent_col="parent")
        pool_hidden = sup.loc[[f"u:{t}" for t in a["target_id"]], "suppressed"].to_numpy()
        mask[anon] = sup.loc[keys, "suppressed"].to_numpy() | pool_hidden
        small_pool = set(totals.index[(totals > 0) & (totals < k)])
        mask[~anon] = cells.loc[~anon, "target_id"].isin(small_pool).to_numpy()
    value_cols = [c for c in cells.columns if c not in ("target_id", "rater_group")]
    for c in value_cols:
        cells[c] = cells[c].astype(float)
        cells.loc[mask, c] = np.nan
    cells["suppressed"] = mask
    cells["anonymous"] = anon
    return cells


# ---------------------------------------------------------------- tables for the pages


def _in_subtree(report: CampaignReport, root_id: int | None) -> np.ndarray:
    if root_id is None:
        return np.ones(len(report.units), dtype=bool)
    orgs = report.data.organisations.set_index("id")
    if root_id not in orgs.index:
        raise ValueError(f"unknown unit {root_id}")
    return report.units["path"].str.startswith(orgs.at[root_id, "path"]).to_numpy()


def unit_summary(report: CampaignReport, unit_id: int) -> pd.Series:
    """The unit's published row (``suppressed`` True and figures ``NaN`` when withheld; an
    all-``NaN`` suppressed row for a unit without responses)."""
    if unit_id in report.units.index:
        return report.units.loc[unit_id]
    org = report.data.organisations.set_index("id").loc[unit_id]
    row = pd.Series(np.nan, index=report.units.columns, dtype=object)
    row[["code", "name", "kind"]] = org[["code", "name", "kind"]].to_numpy()
    row["suppressed"], row["suppression"] = True, "no responses"
    return row


def unit_table(report: CampaignReport, root_id: int | None = None, kind: str | None = None,
               ) -> pd.DataFrame:
    """Units ranked by overall index: the targets in ``root_id``'s subtree (or, with
    ``kind``, the units of that kind there). Suppressed units stay in the table with
    ``NaN`` figures and no rank. ``name`` tells apart units of one name
    (:func:`analysis.rankings.distinct_names`): every ranked list and export reads it here."""
    sel = _in_subtree(report, root_id)
    u = report.units[sel]
    u = u[u["kind"] == kind] if kind else u[u["is_target"]]
    cols = ["code", "name", "kind", "n", "overall", "overall_ci_low", "overall_ci_high",
            "satisfaction_rate", "satisfaction_ci_low", "satisfaction_ci_high",
            *[DIM_PREFIX + d for d in report.dimensions], "suppressed", "suppression"]
    out = u[cols].sort_values(["suppressed", "overall"], ascending=[True, False])
    out.insert(0, "rank", out["overall"].rank(ascending=False, method="min").astype("Int64"))
    orgs = report.data.organisations.set_index("id")
    parent_names = orgs["parent_id"].reindex(out.index).map(orgs["name"])
    out["name"] = distinct_names(out["name"], parent_names, out["code"])
    return out


def heatmap_matrix(report: CampaignReport, root_id: int | None = None,
                   kind: str | None = None) -> pd.DataFrame:
    """Units × dimensions (display names), ``NaN`` where suppressed."""
    t = unit_table(report, root_id, kind).sort_values("code")
    m = t[[DIM_PREFIX + d for d in report.dimensions]].astype(float)
    m.columns = [report.labels.dimension(d) for d in report.dimensions]
    m.index = t["name"].astype(str).to_numpy()
    return m


def dimension_scores(report: CampaignReport, unit_id: int) -> pd.DataFrame:
    """Per dimension: ``label, index, n, satisfaction_rate`` and the Wilson interval of the
    pooled satisfaction rate (from the item table's ``dim:<d>`` rows)."""
    row = unit_summary(report, unit_id)
    it = report.items[report.items["unit_id"] == unit_id].set_index("item")
    out = []
    for d in report.dimensions:
        r = it.loc[DIM_PREFIX + d] if DIM_PREFIX + d in it.index else None
        out.append({"dimension": d, "label": report.labels.dimension(d),
                    "index": float(row.get(DIM_PREFIX + d, np.nan)),
                    "satisfaction_rate": np.nan if r is None else r["rate"],
                    "ci_low": np.nan if r is None else r["ci_low"],
                    "ci_high": np.nan if r is None else r["ci_high"]})
    return pd.DataFrame(out).set_index("dimension")


def item_table(report: CampaignReport, unit_id: int) -> pd.DataFrame:
    """Items of a published unit: dimension, label, valid answers, satisfaction rate with
    its Wilson interval. Empty for a suppressed unit."""
    it = report.items[(report.items["unit_id"] == unit_id)
                      & ~report.items["item"].str.startswith(DIM_PREFIX)].copy()
    order = {i: n for n, i in enumerate(report.data.item_columns)}
    it["order"] = it["item"].map(order)
    it = it.sort_values("order")
    it.insert(1, "dimension", it["item"].map(
        lambda i: report.labels.dimension(report.labels.item_dimension.get(i, ""))))
    it.insert(2, "label", it["item"].map(report.labels.item))
    return it.drop(columns=["order", "unit_id"]).reset_index(drop=True)


def answer_shares(report: CampaignReport, unit_id: int) -> pd.DataFrame:
    """Share of each answer per item (rows: item labels; columns: value labels in value
    order). Empty for a suppressed unit."""
    v = report.values[report.values["unit_id"] == unit_id]
    if v.empty:
        return pd.DataFrame()
    v = v.assign(label=[report.labels.values.get(i, {}).get(int(x), str(x))
                        for i, x in zip(v["item"], v["value"], strict=True)])
    order = v.groupby("label")["value"].min().sort_values().index
    t = v.pivot_table(index="item", columns="label", values="count", aggfunc="sum").fillna(0)
    t = t.reindex(columns=order)
    t = t.div(t.sum(axis=1), axis=0)
    pos = {i: n for n, i in enumerate(report.data.item_columns)}
    t = t.loc[sorted(t.index, key=lambda i: pos.get(i, 0))]
    t.index = [report.labels.item(i) for i in t.index]
    return t


def participation(report: CampaignReport, unit_id: int) -> pd.Series:
    """Responses per submission month in the unit's subtree (empty if the unit is
    withheld)."""
    if not report.is_published(unit_id):
        return pd.Series(dtype=np.int64)
    orgs = report.data.organisations.set_index("id")
    path = orgs.at[unit_id, "path"]
    ids = orgs.index[orgs["path"].str.startswith(path)]
    d = report.daily[report.daily["target_id"].isin(ids)]
    return d.groupby("day")["n"].sum()


def radar_frame(report: CampaignReport, unit_id: int,
                names: Sequence[str] = ("本单位", "上级单位", "同级中位数")) -> pd.DataFrame:
    """Dimensions (labels) × [unit, parent, median of the published peers (same parent,
    same kind)]; ``NaN`` where withheld."""
    cols = [DIM_PREFIX + d for d in report.dimensions]
    u = report.units
    row = unit_summary(report, unit_id)
    orgs = report.data.organisations.set_index("id")
    parent = orgs.at[unit_id, "parent_id"]
    par = u.loc[parent, cols].astype(float) if (pd.notna(parent) and parent in u.index) else (
        pd.Series(np.nan, index=cols))
    peers = u[(u["parent_id"] == parent) & (u.index != unit_id)
              & (u["kind"] == orgs.at[unit_id, "kind"]) & ~u["suppressed"]]
    med = peers[cols].astype(float).median() if len(peers) else pd.Series(np.nan, index=cols)
    out = pd.DataFrame({names[0]: pd.to_numeric(row[cols], errors="coerce").to_numpy(),
                        names[1]: par.to_numpy(), names[2]: med.to_numpy()},
                       index=[report.labels.dimension(d) for d in report.dimensions])
    return out


def importance_performance(report: CampaignReport, unit_id: int,
                           min_rows: int = 30) -> pd.DataFrame | None:
    """IPA of the unit's dimensions: performance = the unit's dimension index, importance =
    the dimension's Shapley share of R² (``lmg``, :func:`analysis.drivers.driver_analysis`)
    for the outcome (the "overall" section's index where the questionnaire has one, the
    overall index otherwise) over the unit's respondents, or over the whole campaign when the
    unit has fewer than ``min_rows`` complete answers (``attrs["importance_from"]``).
    ``None`` when the unit is withheld or there are too few data."""
    from analysis.drivers import driver_analysis, ipa

    if not report.is_published(unit_id) or len(report.dimensions) < 2:
        return None
    # an "overall" section (总体评价: the respondent's own overall judgement) is the outcome
    # when the questionnaire has one; else the computed overall index
    outcome = DIM_PREFIX + "overall" if "overall" in report.dimensions else "overall"
    dims = [d for d in report.dimensions if DIM_PREFIX + d != outcome]
    if len(dims) < 2:
        return None
    cols = [DIM_PREFIX + d for d in dims]
    perf = pd.to_numeric(report.units.loc[unit_id, cols], errors="coerce")
    if perf.isna().any():
        return None
    orgs = report.data.organisations.set_index("id")
    ids = orgs.index[orgs["path"].str.startswith(orgs.at[unit_id, "path"])]
    own = report.scored[report.scored["target_id"].isin(ids)]
    source = "unit"
    if own[[outcome, *cols]].dropna().shape[0] < min_rows:
        own, source = report.scored, "campaign"
    try:
        drivers = driver_analysis(own, outcome, cols)
    except ValueError:
        return None
    table = ipa(perf.rename(lambda c: c[len(DIM_PREFIX):]),
                drivers["lmg"].rename(lambda c: c[len(DIM_PREFIX):]))
    table.attrs["importance_from"] = source
    table.attrs["outcome"] = outcome
    return table


def group_table(report: CampaignReport, unit_id: int) -> pd.DataFrame:
    """Rater groups of a target: ``group, name, weight, n, overall, satisfaction_rate,
    suppressed`` and (attrs) the weighted composite (:func:`analysis.composite.
    composite_index`) over the published groups."""
    from analysis.composite import composite_index

    g = report.group_cells[report.group_cells["target_id"] == unit_id]
    groups = report.data.groups.set_index("key")
    rows = []
    for key in groups.index:
        cell = g[g["rater_group"] == key]
        hidden = cell.empty or bool(cell["suppressed"].iloc[0])
        rows.append({"group": key, "name": report.labels.group(key),
                     "weight": float(groups.at[key, "weight"]),
                     "n": np.nan if hidden else float(cell["n"].iloc[0]),
                     "overall": np.nan if hidden else float(cell["overall"].iloc[0]),
                     "satisfaction_rate": np.nan if hidden else float(
                         cell["satisfaction_rate"].iloc[0]),
                     "suppressed": hidden})
    out = pd.DataFrame(rows)
    w = groups["weight"].astype(float)
    pub = g[~g["suppressed"]]
    # a weighted total over the groups goes with any hidden group (composite_hidden)
    if w.sum() > 0 and not pub.empty and not composite_hidden(g).any():
        comp = composite_index(pub, w / w.sum(), 1)  # cells already disclosure-checked
        out.attrs["composite"] = float(comp["composite"].iloc[0])
        out.attrs["renormalised"] = bool(comp["renormalised"].iloc[0])
    return out


def comments_for(report: CampaignReport, comments: pd.DataFrame, unit_id: int,
                 seed: int | None = None) -> list[str]:
    """Comments of one target (``comments`` from :func:`analysis.data.comments_from_answers`),
    released only when the unit is published and its own responses number at least ``k``;
    shuffled, bare text."""
    if not report.is_published(unit_id) or comments is None or comments.empty:
        return []
    own = comments[comments["target_id"] == unit_id]
    if report.rater_group is not None:
        own = own[own["rater_group"] == report.rater_group]
    sizes = report.scored.groupby("target_id").size()
    released = release_comments(own.rename(columns={"target_id": "group"}), sizes, report.k,
                                seed=seed)
    return released.get(unit_id, [])


def trend_table(reports: Sequence[CampaignReport], unit_code: str) -> pd.DataFrame:
    """The unit's published overall index and satisfaction rate per campaign year (``NaN``
    where withheld or absent), indexed by year."""
    rows = []
    for r in reports:
        uid = r.unit_id(unit_code)
        row = unit_summary(r, uid) if uid is not None else None
        rows.append({"year": r.data.year, "campaign": r.data.campaign_code,
                     "overall": np.nan if row is None else float(row["overall"]),
                     "ci_low": np.nan if row is None else float(row["overall_ci_low"]),
                     "ci_high": np.nan if row is None else float(row["overall_ci_high"]),
                     "satisfaction_rate": np.nan if row is None else float(
                         row["satisfaction_rate"])})
    return pd.DataFrame(rows).set_index("year").sort_index()


# ---------------------------------------------------------------- respondent-level rows


def released_rows(report: CampaignReport, target_ids: Iterable[int] | None = None) -> np.ndarray:
    """Boolean mask over ``report.data.responses`` of the rows that may leave as raw data:
    published leaf targets (no responses below them) whose rater-group cell is published,
    optionally restricted to ``target_ids`` (a user's scope)."""
    resp = report.data.responses
    u = report.units
    direct = u["is_target"] & ~u["suppressed"].astype(bool)
    orgs = report.data.organisations.set_index("id")
    # a leaf target: no other responding target lies in its subtree
    tpaths = orgs.loc[[i for i in u.index[u["is_target"]]], "path"]
    leaf = {i for i, p in tpaths.items()
            if not any(q != p and q.startswith(p) for q in tpaths.to_numpy())}
    ok_units = {i for i in u.index[direct] if i in leaf}
    if target_ids is not None:
        ok_units &= set(target_ids)
    cells = report.group_cells
    ok_cells = set(zip(cells.loc[~cells["suppressed"], "target_id"],
                       cells.loc[~cells["suppressed"], "rater_group"], strict=True))
    pairs = list(zip(resp["target_id"], resp["rater_group"], strict=True))
    return np.array([t in ok_units and (t, g) in ok_cells for t, g in pairs], dtype=bool)


#: The export code of "不了解/不适用" (its own value, labelled; user-missing in SPSS).
NOT_APPLICABLE_CODE = 99
NOT_APPLICABLE_LABEL = "不了解/不适用"


def tidy_responses(report: CampaignReport, target_ids: Iterable[int] | None = None,
                   with_labels: bool = True, seed: int | None = None,
                   extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per released response (:func:`released_rows`), without identifying columns:
    no response id, the month only; target code and name, rater group, then per item its
    value (``NaN`` for unanswered, :data:`NOT_APPLICABLE_CODE` for "不了解/不适用") and, with
    ``with_labels``, its answer label (``<item>_label``); then the columns of ``extra``
    (indexed by response id: unscored answers, released comments), matched to the rows.
    Rows are sorted by unit and group and shuffled within them."""
    resp = report.data.responses[released_rows(report, target_ids)]
    orgs = report.data.organisations.set_index("id")
    items = report.data.item_columns
    rng = np.random.default_rng(seed)
    resp = resp.iloc[rng.permutation(len(resp))]
    out = pd.DataFrame({
        "target_code": resp["target_code"].to_numpy(),
        "target_name": orgs["name"].reindex(resp["target_id"]).to_numpy(),
        "rater_group": resp["rater_group"].to_numpy(),
        "submitted_month": _month(resp["submitted_on"]).dt.strftime("%Y-%m").to_numpy(),
    })
    for i in items:
        v = resp[i].to_numpy()
        na = v == NA
        out[i] = pd.array(np.where(v >= 0, v, np.where(na, NOT_APPLICABLE_CODE, 0)),
                          dtype="Int64")
        out.loc[(v < 0) & ~na, i] = pd.NA
        if with_labels:
            lab = report.labels.values.get(i, {})
            out[i + "_label"] = [lab.get(int(x), "") if x >= 0 else
                                 NOT_APPLICABLE_LABEL if x == NA else "" for x in v]
    if extra is not None and len(extra.columns):
        joined = extra.reindex(resp["response_id"].astype(str).to_numpy())
        for c in extra.columns:
            out[c] = joined[c].to_numpy()
    return out.sort_values(["target_code", "rater_group"], kind="stable").reset_index(drop=True)


def released_data(report: CampaignReport, target_ids: Iterable[int] | None = None,
                  seed: int | None = None) -> CampaignData:
    """The released rows as a :class:`CampaignData` for the Parquet export: response ids
    replaced by a row number after shuffling (nothing to link back), dates cut to the first
    day of their month."""
    resp = report.data.responses[released_rows(report, target_ids)]
    rng = np.random.default_rng(seed)
    resp = resp.iloc[rng.permutation(len(resp))].sort_values(
        ["target_code", "rater_group"], kind="stable").reset_index(drop=True)
    resp["response_id"] = [f"r{i:07d}" for i in range(len(resp))]
    resp["submitted_on"] = _month(resp["submitted_on"])
    return dataclasses.replace(report.data, responses=resp)


# ---------------------------------------------------------------- the ledger (台账)


def overview_figures(report: CampaignReport, root_id: int | None) -> dict[str, Any]:
    """Headline figures of the root unit (or the top of the tree)."""
    if root_id is None:
        roots = report.units[report.units["parent_id"].isna()]
        root_id = int(roots.index[0]) if len(roots) else int(report.units.index[0])
    row = unit_summary(report, root_id)
    return {"unit_id": root_id, "code": row["code"], "name": row["name"],
            "suppressed": bool(row["suppressed"]),
            "n": row["n"], "overall": row["overall"], "overall_ci_low": row["overall_ci_low"],
            "overall_ci_high": row["overall_ci_high"],
            "satisfaction_rate": row["satisfaction_rate"],
            "satisfaction_ci_low": row["satisfaction_ci_low"],
            "satisfaction_ci_high": row["satisfaction_ci_high"]}


#: Chinese column headers of the exported tables.
HEADERS = {
    "rank": "排名", "code": "单位代码", "name": "单位名称", "kind": "单位类型", "n": "答卷数",
    "overall": "总体满意度", "overall_ci_low": "满意度区间下限",
    "overall_ci_high": "满意度区间上限",
    "satisfaction_rate": "满意率", "satisfaction_ci_low": "满意率区间下限",
    "satisfaction_ci_high": "满意率区间上限", "suppressed": "是否抑制", "suppression": "抑制原因",
    "item": "题目代码", "dimension": "维度", "label": "题目", "n_valid": "有效答案数",
    "n_satisfied": "满意答案数", "rate": "满意率", "ci_low": "区间下限", "ci_high": "区间上限",
    "group": "评议方代码", "weight": "权重", "target_code": "被评单位代码",
    "target_name": "被评单位名称", "rater_group": "评议方", "submitted_month": "提交月份",
}
ORG_KINDS = zh_names(OrgKind)
SUPPRESSION_TEXT = {"small": "样本不足", "complementary": "防推算抑制", "no responses": "无答卷"}


def chinese_headers(frame: pd.DataFrame, labels: Labels | None = None) -> pd.DataFrame:
    """Rename columns to Chinese headers (dimension columns by their labels)."""
    def name(c: str) -> str:
        if c in HEADERS:
            return HEADERS[c]
        if str(c).startswith(DIM_PREFIX) and labels is not None:
            return labels.dimension(c[len(DIM_PREFIX):])
        return str(c)

    out = frame.rename(columns=name)
    if "抑制原因" in out.columns:
        out["抑制原因"] = out["抑制原因"].map(lambda r: SUPPRESSION_TEXT.get(r, r) if r else "")
    return out


# ---------------------------------------------------------------- documents


def _fmt_range(low: Any, high: Any, pct: bool = False) -> str:
    if pd.isna(low) or pd.isna(high):
        return "—"
    return f"{low:.1%} – {high:.1%}" if pct else f"{low:.1f} – {high:.1f}"


def chart_images(report: CampaignReport, root_id: int | None, kind: str | None = None
                 ) -> list[tuple[str, bytes]]:
    """The campaign-level charts as (alt text, PNG): ranked units, dimension scores,
    heatmap. Suppressed units are drawn as suppressed."""
    from analysis import plots

    out = []
    table = unit_table(report, root_id, kind)
    if not table.empty:
        ax = plots.ranked_units(table, title="单位满意度排名")
        out.append(("单位满意度排名", plots.to_image(ax)))
    fig = overview_figures(report, root_id)
    dims = dimension_scores(report, fig["unit_id"])
    if dims["index"].notna().any():
        out.append(("各维度满意度", plots.to_image(plots.bars_with_intervals(
            dims.set_index("label")["index"], title="各维度满意度"))))
    matrix = heatmap_matrix(report, root_id, kind)
    if not matrix.empty:
        out.append(("单位×维度热力图", plots.to_image(plots.heatmap(matrix))))
    return out


def build_ledger(report: CampaignReport, meta: Mapping[str, Any], root_id: int | None = None,
                 unit_ids: Sequence[int] | None = None, charts: bool = True,
                 progress: Any = None) -> Any:
    """The 台账 workbook (:class:`analysis.exports.Ledger`) of a campaign within a scope.

    Parameters
    ----------
    meta : mapping
        Campaign facts for the cover: ``name, code, kind, year, opens_on, closes_on,
        status`` (any missing is shown as "—").
    root_id : int, optional
        The top unit of the scope (default: the top of the tree).
    unit_ids : sequence of int, optional
        Units that get a sheet each (default: the targets in the scope).
    progress : callable, optional
        Wraps the unit loop (e.g. ``tqdm``) to show progress.
    """
    from analysis.exports import Ledger, Sheet

    fig = overview_figures(report, root_id)
    root = fig["unit_id"]
    table = unit_table(report, root)
    if unit_ids is None:
        unit_ids = [int(i) for i in table.index]
    k = report.k
    cover = [
        ("评议活动", meta.get("name", "—")),
        ("活动代码", meta.get("code", report.data.campaign_code)),
        ("活动类型", meta.get("kind", "—")), ("年度", meta.get("year", report.data.year)),
        ("起止日期", f"{meta.get('opens_on', '—')} 至 {meta.get('closes_on', '—')}"),
        ("状态", meta.get("status", "—")), ("报告范围", f"{fig['name']}（{fig['code']}）"),
        ("答卷数", "—" if fig["suppressed"] else int(fig["n"])),
        ("参评单位数", len(table)),
        ("评议方", "、".join(report.labels.group(g) for g in report.data.groups["key"])),
        ("计分方法", SCORING_RULE),
        ("公布规则", f"答卷少于 {k} 份的单位不公布任何数据（显示为“—”），并对可被推算的单位作防推算"
                  f"（互补）抑制；意见建议仅对答卷不少于 {k} 份的单位公布，且打乱顺序、不含任何"
                  "答卷信息。"),
    ]
    if report.rater_group:
        cover.append(("评议方筛选", report.labels.group(report.rater_group)))
    summary = pd.DataFrame([
        {"指标": "总体满意度（0-100）", "数值": fig["overall"],
         "95%置信区间": _fmt_range(fig["overall_ci_low"], fig["overall_ci_high"])},
        {"指标": "满意率", "数值": fig["satisfaction_rate"],
         "95%置信区间": _fmt_range(fig["satisfaction_ci_low"], fig["satisfaction_ci_high"],
                                True)},
    ])
    dims = dimension_scores(report, root).reset_index(drop=True)
    dims = dims.rename(columns={"label": "维度", "index": "维度指数", "satisfaction_rate": "满意率",
                                "ci_low": "区间下限", "ci_high": "区间上限"})
    units = chinese_headers(table.assign(kind=table["kind"].map(lambda k: ORG_KINDS.get(k, k))),
                            report.labels)
    dim_names = [report.labels.dimension(d) for d in report.dimensions]
    sheets = [
        Sheet("汇总", pd.concat(
            [summary, dims.rename(columns={"维度": "指标", "维度指数": "数值"})],
            ignore_index=True),
              note=f"{fig['name']}：合并下属单位全部答卷计算", decimal_cols=["数值"],
              percent_cols=["满意率", "区间下限", "区间上限"]),
        Sheet("单位一览", units, note="“—”表示样本不足或防推算抑制，不予公布（不是零分）",
              decimal_cols=["总体满意度", "满意度区间下限", "满意度区间上限", *dim_names],
              percent_cols=["满意率", "满意率区间下限", "满意率区间上限"]),
        Sheet("题目统计", chinese_headers(item_table(report, root)),
              percent_cols=["满意率", "区间下限", "区间上限"]),
    ]
    iterator = progress(unit_ids) if progress is not None else unit_ids
    for uid in iterator:
        row = unit_summary(report, uid)
        name = f"{row['code']}"
        if bool(row["suppressed"]):
            sheets.append(Sheet(name, pd.DataFrame({"说明": ["样本不足或防推算抑制，不予公布"]}),
                                note=str(row["name"])))
            continue
        items = chinese_headers(item_table(report, uid))
        sheets.append(Sheet(name, items, note=f"{row['name']}：答卷 {int(row['n'])} 份，"
                                              f"总体满意度 {row['overall']:.1f}",
                            percent_cols=["满意率", "区间下限", "区间上限"]))
    if charts:
        images = chart_images(report, root)
        sheets.append(Sheet("图表", pd.DataFrame({"图表": [a for a, _ in images]}),
                            images=images))
    return Ledger(title=f"{meta.get('name', report.data.campaign_code)} 评议台账", cover=cover,
                  sheets=sheets)


def build_pdf(report: CampaignReport, meta: Mapping[str, Any], root_id: int | None = None,
              unit_id: int | None = None, progress: Any = None) -> Any:
    """A printable report (:class:`analysis.exports.PdfDocument`): the campaign within a
    scope, or one unit (``unit_id``) with its radar, dimension and item tables."""
    from analysis import plots
    from analysis.exports import PdfDocument

    focus = unit_id if unit_id is not None else overview_figures(report, root_id)["unit_id"]
    row = unit_summary(report, focus)
    doc = PdfDocument(f"{meta.get('name', report.data.campaign_code)} · {row['name']}")
    doc.text(f"活动代码 {meta.get('code', report.data.campaign_code)}；年度 "
             f"{meta.get('year', report.data.year)}；状态 {meta.get('status', '—')}。")
    doc.heading("计分与公布规则").text(SCORING_RULE).text(
        f"答卷少于 {report.k} 份的单位不公布（显示为“—”），并作防推算抑制。")
    doc.heading("总体结果")
    if bool(row["suppressed"]):
        doc.text("该单位样本不足或需防推算抑制，不予公布。")
        return doc
    doc.text(f"答卷 {int(row['n'])} 份；总体满意度 {row['overall']:.1f}（95% 区间 "
             f"{_fmt_range(row['overall_ci_low'], row['overall_ci_high'])}）；满意率 "
             f"{row['satisfaction_rate']:.1%}（95% 区间 "
             f"{_fmt_range(row['satisfaction_ci_low'], row['satisfaction_ci_high'], True)}）。")
    dims = dimension_scores(report, focus)
    doc.heading("各维度")
    doc.image(plots.to_image(plots.bars_with_intervals(dims.set_index("label")["index"],
                                                       title="各维度满意度")), "各维度满意度")
    if unit_id is not None:
        radar = radar_frame(report, focus)
        doc.image(plots.to_image(plots.radar(radar)), "各维度与上级、同级对比")
    else:
        table = unit_table(report, focus)
        iterator = progress([0]) if progress is not None else [0]
        for _ in iterator:
            doc.heading("单位排名")
            doc.image(plots.to_image(plots.ranked_units(table)), "单位满意度排名")
            doc.table(chinese_headers(table[["rank", "code", "name", "n", "overall",
                                             "satisfaction_rate", "suppression"]]))
    doc.heading("题目统计")
    items = item_table(report, focus)[["dimension", "label", "n_valid", "rate", "ci_low",
                                       "ci_high"]]
    doc.table(chinese_headers(items))
    return doc
