"""Charts: every plot function draws on a given ax, returns it, and renders Chinese text
with a real CJK font (a fallback font would warn "Glyph ... missing")."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import plots
from analysis.drivers import ipa
from analysis.fonts import FONT_FAMILY, cjk_font_path, use_cjk_font

DIMS = ["组织建设", "民主管理", "维护权益", "服务职工", "职工之家"]


def _glyph_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "Glyph" in str(w.message)
            or "findfont" in str(w.message)]


def test_chinese_chart_renders_without_glyph_fallback():
    """Explicit check (the pyproject filter also turns matplotlib UserWarnings into errors)."""
    use_cjk_font()
    values = pd.Series([78.2, np.nan, 65.0], index=["组织建设", "服务职工", "职工之家"])
    ax = plots.bars_with_intervals(values, values - 3, values + 3, title="各维度满意度")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        png = plots.to_image(ax, "png")
    assert _glyph_warnings(record) == []
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_a_font_without_cjk_glyphs_is_detected():
    """The check above can fail: DejaVu Sans alone lacks CJK glyphs and warns."""
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("满意度", fontfamily="DejaVu Sans")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig.savefig(__import__("io").BytesIO(), format="png")
    assert any("Glyph" in str(w.message) for w in record)


def test_the_font_is_shipped_by_a_package_and_used():
    path = cjk_font_path()
    assert path.is_file() and path.stat().st_size > 1_000_000
    from matplotlib import font_manager

    use_cjk_font()
    found = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY),
                                  fallback_to_default=False)
    assert found.endswith(path.name)


def test_svg_output_holds_the_chinese_title():
    ax = plots.trend(pd.Series([70.0, 74.5], index=[2025, 2026]), title="历年趋势")
    svg = plots.to_image(ax, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    with pytest.raises(ValueError):
        plots.to_image(plots.trend(pd.Series([1.0], index=[2025])), "gif")


@pytest.mark.parametrize("draw", [
    lambda ax: plots.participation_over_time(
        pd.Series([3, 5, 2], index=pd.to_datetime(["2026-10-08", "2026-10-09", "2026-10-12"])),
        ax=ax),
    lambda ax: plots.bars_with_intervals(pd.Series([70.0, 80.0], index=["甲", "乙"]), ax=ax),
    lambda ax: plots.answer_distribution(pd.DataFrame(
        {"不满意": [0.1, np.nan], "基本满意": [0.3, np.nan], "满意": [0.6, np.nan]},
        index=["题一", "题二"]), ax=ax),
    lambda ax: plots.ranked_units(pd.DataFrame(
        {"name": ["一厂工会", "二厂工会"], "overall": [80.0, np.nan],
         "overall_ci_low": [75.0, np.nan], "overall_ci_high": [85.0, np.nan]}), ax=ax),
    lambda ax: plots.trend(pd.Series([70.0, np.nan], index=[2025, 2026]), ax=ax),
    lambda ax: plots.ipa_chart(ipa(pd.Series([80.0, 60.0, 70.0], index=["a", "b", "c"]),
                                   pd.Series([0.2, 0.5, 0.3], index=["a", "b", "c"])),
                               labels=pd.Series({"a": "服务", "b": "设施", "c": "民主"}), ax=ax),
    lambda ax: plots.heatmap(pd.DataFrame([[80.0, np.nan], [70.0, 90.0]],
                                          index=["一厂", "二厂"], columns=DIMS[:2]), ax=ax),
    lambda ax: plots.grouped_bars(pd.DataFrame({"会员": [80.0], "行政": [np.nan]},
                                               index=["一厂"]), ax=ax),
])
def test_plot_functions_draw_on_the_given_ax(draw):
    from matplotlib.figure import Figure

    use_cjk_font()
    fig = Figure()
    ax = fig.add_subplot()
    assert draw(ax) is ax
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        png = plots.to_image(ax)
    assert _glyph_warnings(record) == []
    assert len(png) > 2000


def test_suppressed_cells_are_drawn_as_suppressed_not_zero():
    ax = plots.bars_with_intervals(pd.Series([70.0, np.nan], index=["甲", "乙"]))
    texts = [t.get_text() for t in ax.texts]
    assert plots.SUPPRESSED_LABEL in texts
    assert "0.0" not in texts
    bars = [p for p in ax.patches]
    assert len(bars) == 1  # no zero-length bar for the suppressed unit
    hm = plots.heatmap(pd.DataFrame([[np.nan, 81.0]], index=["一厂"], columns=["a", "b"]))
    assert [t.get_text() for t in hm.texts][:2] == ["—", "81"]


def test_radar_makes_a_polar_axes_and_skips_empty_series():
    profiles = pd.DataFrame({"本单位": [80.0, 70.0, 60.0], "上级": [75.0, 72.0, 68.0],
                             "同级中位数": [np.nan] * 3}, index=DIMS[:3])
    ax = plots.radar(profiles)
    assert ax.name == "polar"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["本单位", "上级"]
    with pytest.raises(ValueError):
        plots.radar(profiles.iloc[:2])


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError):
        plots.heatmap(pd.DataFrame())
    with pytest.raises(ValueError):
        plots.ranked_units(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError):
        plots.participation_over_time([1, 2])
