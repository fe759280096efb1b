"""Fixtures of the analysis tests: a small two-version campaign as stored columns.

The same campaign is stored in a database by the loader's tests
(``tests/reports/test_loading.py``), which check that the app reads it back as these columns.
"""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from analysis.data import CampaignData, campaign_from_columns

#: Item specs of the two questionnaire versions of the test campaign.
SPEC_V1 = pd.DataFrame(
    {
        "dimension": ["A", "A", "B"],
        "min": [1, 1, 1],
        "max": [5, 5, 5],
        "reverse": [False, True, False],
        "weight": [1.0, 1.0, 1.0],
        "satisfied_values": [(4, 5), (1, 2), (4, 5)],
    },
    index=pd.Index(["a1", "a2", "b1"], name="item"),
)
SPEC_V2 = pd.DataFrame(
    {
        "dimension": ["A", "C"],
        "min": [1, 0],
        "max": [5, 10],
        "reverse": [False, False],
        "weight": [1.0, 1.0],
        "satisfied_values": [(4, 5), (9, 10)],
    },
    index=pd.Index(["a1", "c1"], name="item"),
)

#: (target_id, rater group id, version, item values, answers)
RESPONSES = [
    (4, 1, 1, [5, 4, -2], {"comment": "  很好 "}),
    (4, 1, 1, [1, -1, 3], {"comment": ""}),
    (2, 1, 1, [3, 3, 3], {}),
    (3, 2, 2, [4, 10], {"comment": "needs a bigger room"}),
]


#: The campaign's organisations: ``id, code, name, kind, parent_id, path, depth, members``.
ORGANISATIONS = [
    (1, "FED", "市总工会", "federation", None, "/1/", 0, 1000),
    (2, "D1", "区总工会", "district_federation", 1, "/1/2/", 1, 400),
    (3, "D2", "产业工会", "industry_union", 1, "/1/3/", 1, 300),
    (4, "G1", "基层工会", "grassroots_union", 2, "/1/2/4/", 2, 50),
]
#: The campaign's rater groups: ``group_id, key, name, weight, anonymous, version``.
GROUPS = [(1, "member", "会员", 0.6, True, 1), (2, "upper", "上级工会", 0.4, False, 2)]


def response_id(i: int) -> str:
    """The id of the ``i``-th response (0-based) of :data:`RESPONSES`."""
    return str(uuid.UUID(int=i + 1))


def submitted_on(i: int) -> pd.Timestamp:
    return pd.Timestamp(f"2026-10-0{i + 1}")


def campaign_columns() -> list[list]:
    """The six stored response columns, ordered by version as the database returns them."""
    order = sorted(range(len(RESPONSES)), key=lambda i: RESPONSES[i][2])
    return [
        [response_id(i) for i in order],
        [RESPONSES[i][0] for i in order],
        [RESPONSES[i][1] for i in order],
        [RESPONSES[i][2] for i in order],
        [submitted_on(i).date().isoformat() for i in order],
        [np.asarray(RESPONSES[i][3], dtype=np.int8).tobytes() for i in order],
    ]


def organisations_frame() -> pd.DataFrame:
    from analysis.data import ORG_COLUMNS

    return pd.DataFrame(ORGANISATIONS, columns=list(ORG_COLUMNS))


def groups_frame() -> pd.DataFrame:
    from analysis.data import GROUP_COLUMNS

    return pd.DataFrame(GROUPS, columns=["group_id", *GROUP_COLUMNS])


def definition(items):
    """A questionnaire definition (the stored JSON) with likert items ``(id, section, scale)``."""
    scales = {
        "agree5": {
            "label": {"zh": "同意", "en": "Agree"},
            "points": [{"code": f"p{v}", "value": v, "label": {"zh": str(v), "en": str(v)}}
                       for v in range(1, 6)],
            "satisfied": ["p4", "p5"],
        },
        "ten": {
            "label": {"zh": "十分", "en": "Ten"},
            "points": [{"code": f"t{v}", "value": v, "label": {"zh": str(v), "en": str(v)}}
                       for v in range(0, 11)],
            "satisfied": ["t9", "t10"],
        },
    }
    sections = {}
    for item_id, section, scale, reverse in items:
        sections.setdefault(section, []).append(
            {"id": item_id, "type": "likert", "scale": scale, "reverse": reverse,
             "label": {"zh": item_id, "en": item_id}}
        )
    return {
        "key": "q", "version": "1", "title": {"zh": "问卷", "en": "Q"}, "scales": scales,
        "sections": [
            {"id": s, "title": {"zh": s, "en": s}, "weight": 1 / len(sections), "questions": qs}
            for s, qs in sections.items()
        ],
    }


@pytest.fixture
def campaign(specs) -> CampaignData:
    """The test campaign, built from its stored columns."""
    return campaign_from_columns(
        campaign_columns(), organisations=organisations_frame(), groups=groups_frame(),
        items=specs, min_group_size=3, campaign_code="C2026", year=2026,
        dimension_weights={1: pd.Series({"A": 2.0, "B": 1.0}), 2: pd.Series({"A": 1, "C": 1})},
    )


@pytest.fixture
def specs() -> dict[int, pd.DataFrame]:
    return {1: SPEC_V1.copy(), 2: SPEC_V2.copy()}
