"""Repeated unit names in one list are told apart by their parent's name (and code)."""

import pandas as pd

from analysis.rankings import distinct_names


def test_repeated_names_get_their_parent_and_unique_ones_stay():
    names = pd.Series(["生产车间分工会", "生产车间分工会", "技术研发分工会", "江滨工会"],
                      index=[10, 11, 12, 13])
    parents = pd.Series({10: "江滨机械厂工会", 11: "城东纺织厂工会", 12: "江滨机械厂工会",
                         13: None})
    out = distinct_names(names, parents)
    assert out.tolist() == ["生产车间分工会（江滨机械厂工会）", "生产车间分工会（城东纺织厂工会）",
                            "技术研发分工会", "江滨工会"]
    assert out.index.tolist() == [10, 11, 12, 13]


def test_same_name_under_one_parent_adds_the_code():
    names = pd.Series(["一车间", "一车间"], index=[1, 2])
    parents = pd.Series(["甲厂工会", "甲厂工会"], index=[1, 2])
    out = distinct_names(names, parents, pd.Series(["A-1", "A-2"], index=[1, 2]))
    assert out.tolist() == ["一车间（甲厂工会） A-1", "一车间（甲厂工会） A-2"]
    assert out.is_unique
