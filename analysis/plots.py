"""Charts of campaign reports, drawn with matplotlib on the server (Agg, no pyplot state).

Every function takes its data as pandas objects and an optional ``ax`` and returns the
``ax`` it drew on (pingouin's convention); none calls ``plt.show()``. Without an ``ax`` a
new :class:`matplotlib.figure.Figure` is made (not through ``pyplot``, so nothing is kept
in a global figure registry and web workers can draw in parallel). Labels are whatever the
caller passes (Chinese on the platform): :func:`analysis.fonts.use_cjk_font` registers the
Noto Sans CJK SC font shipped by the ``mplfonts`` package so Chinese never renders as boxes.

Suppressed cells (disclosure control) arrive as ``NaN``; the charts draw them as "—" with
the ``suppressed_label`` text, never as zero.

:func:`to_image` turns an ``ax`` into PNG or SVG bytes and releases the figure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.fonts import use_cjk_font

#: Shown for a suppressed cell (too few responses to report).
SUPPRESSED_LABEL = "— 样本过少，不予公布"
_PALETTE = ("#1f5f99", "#d9822b", "#4c9a2a", "#8e44ad", "#c0392b", "#16a085")


def _ax(ax, figsize: tuple[float, float] = (7.0, 4.0)):
    if ax is not None:
        return ax
    use_cjk_font()
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100, layout="constrained")
    return fig.add_subplot()


def to_image(ax, fmt: str = "png", dpi: int = 110) -> bytes:
    """Render the figure of ``ax`` to ``png`` or ``svg`` bytes."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported image format {fmt!r}; use 'png' or 'svg'")
    use_cjk_font()
    fig = ax.figure
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    fig.clear()
    return buf.getvalue()


def participation_over_time(counts: pd.Series, ax=None, *, title: str = "每月提交数",
                            ylabel: str = "份数", cumulative: bool = True):
    """Responses per period (bars) and the running total (line, right axis).

    ``counts`` is indexed by date (one entry per period with responses: the reports give
    months, the finest time they show).
    """
    if not isinstance(counts, pd.Series):
        raise ValueError("counts must be a Series indexed by date")
    ax = _ax(ax, (7.0, 3.2))
    s = counts.sort_index()
    if s.empty:
        ax.text(0.5, 0.5, "暂无提交", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    x = pd.to_datetime(s.index)
    step = float(np.median(np.diff(x.to_numpy()).astype("timedelta64[D]").astype(float))) if (
        len(x) > 1) else 28.0
    ax.bar(x, s.to_numpy(), color=_PALETTE[0], width=0.8 * step, label=ylabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if cumulative:
        ax2 = ax.twinx()
        ax2.plot(x, s.cumsum().to_numpy(), color=_PALETTE[1], label="累计")
        ax2.set_ylabel("累计")
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return ax


def bars_with_intervals(values: pd.Series, low: pd.Series | None = None,
                        high: pd.Series | None = None, ax=None, *, title: str = "",
                        xlabel: str = "满意度（0-100）", xlim: tuple[float, float] = (0, 100),
                        suppressed_label: str = SUPPRESSED_LABEL):
    """Horizontal bars (e.g. dimension indices) with their confidence intervals.

    ``values`` is indexed by label; ``NaN`` values are drawn as suppressed.
    """
    if not isinstance(values, pd.Series):
        raise ValueError("values must be a Series indexed by label")
    ax = _ax(ax, (7.0, 0.45 * max(len(values), 2) + 1.2))
    v = values.astype(float)
    y = np.arange(len(v))[::-1]
    ok = v.notna().to_numpy()
    ax.barh(y[ok], v[ok].to_numpy(), color=_PALETTE[0], height=0.6)
    if low is not None and high is not None:
        lo = low.reindex(v.index).astype(float).to_numpy()
        hi = high.reindex(v.index).astype(float).to_numpy()
        good = ok & ~np.isnan(lo) & ~np.isnan(hi)
        ax.errorbar(v.to_numpy()[good], y[good],
                    xerr=np.vstack([v.to_numpy()[good] - lo[good], hi[good] - v.to_numpy()[good]]),
                    fmt="none", ecolor="#333333", capsize=3)
    top = v.to_numpy().copy()
    if high is not None:
        top = np.fmax(top, high.reindex(v.index).astype(float).to_numpy())
    for yy, val, right, shown in zip(y, v.to_numpy(), top, ok, strict=True):
        if shown:
            ax.text(min(right, xlim[1] - 6) + 1, yy, f"{val:.1f}", va="center", fontsize=8)
        else:
            ax.text(xlim[0] + 1, yy, suppressed_label, va="center", fontsize=8, color="#777777")
    ax.set_yticks(y, [str(i) for i in v.index])
    ax.set_ylim(-0.8, len(v) - 0.2)
    ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax


def answer_distribution(shares: pd.DataFrame, ax=None, *, title: str = "答案分布",
                        xlabel: str = "占比（%）"):
    """Stacked horizontal bars: per row (item or dimension), the share of each answer.

    ``shares``: rows = items (labels), columns = answer labels in scale order, values in
    0-1 (each row sums to 1; rows of ``NaN`` are drawn as suppressed).
    """
    if not isinstance(shares, pd.DataFrame) or shares.empty:
        raise ValueError("shares must be a non-empty DataFrame")
    ax = _ax(ax, (8.0, 0.4 * max(len(shares), 2) + 1.6))
    y = np.arange(len(shares))[::-1]
    left = np.zeros(len(shares))
    colours = _diverging(shares.shape[1])
    for j, col in enumerate(shares.columns):
        w = shares[col].astype(float).fillna(0).to_numpy() * 100
        ax.barh(y, w, left=left, color=colours[j], label=str(col), height=0.7)
        left += w
    for yy, row_ok in zip(y, shares.notna().all(axis=1).to_numpy(), strict=True):
        if not row_ok:
            ax.text(1, yy, SUPPRESSED_LABEL, va="center", fontsize=8, color="#777777")
    ax.set_yticks(y, [_short(str(i)) for i in shares.index], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.02), ncol=min(shares.shape[1], 5),
              fontsize=8, frameon=False)
    return ax


def _short(label: str, width: int = 24) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _diverging(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["RdYlGn"]
    return [cmap(x) for x in np.linspace(0.1, 0.9, n)] if n > 1 else [cmap(0.8)]


def ranked_units(table: pd.DataFrame, ax=None, *, value: str = "overall", label: str = "name",
                 low: str | None = "overall_ci_low", high: str | None = "overall_ci_high",
                 title: str = "单位排名", xlabel: str = "满意度（0-100）"):
    """Units ranked by ``value`` (best on top); suppressed units (``NaN``) listed last as "—"."""
    for c in (value, label):
        if c not in table.columns:
            raise ValueError(f"table lacks column {c!r}")
    t = table.sort_values(value, ascending=False, na_position="last")
    values = pd.Series(t[value].to_numpy(float), index=t[label].astype(str).to_numpy())
    lo = hi = None
    if low in t.columns and high in t.columns:
        lo = pd.Series(t[low].to_numpy(float), index=values.index)
        hi = pd.Series(t[high].to_numpy(float), index=values.index)
    if values.index.has_duplicates:  # two units of one name: keep both bars
        values.index = [f"{n} ({i + 1})" for i, n in enumerate(values.index)]
        if lo is not None:
            lo.index = hi.index = values.index
    return bars_with_intervals(values, lo, hi, ax, title=title, xlabel=xlabel)


def radar(profiles: pd.DataFrame, ax=None, *, title: str = "各维度对比", rmax: float = 100.0):
    """Radar (spider) chart: rows = dimensions (labels), columns = series (本单位, 上级 ...).

    A series with ``NaN`` on a dimension is drawn with a gap marker at 0 radius omitted; a
    series with no values at all is left out of the chart and the legend.
    """
    if not isinstance(profiles, pd.DataFrame) or len(profiles) < 3:
        raise ValueError("radar needs a DataFrame with at least 3 dimensions (rows)")
    if ax is None:
        use_cjk_font()
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.0, 5.2), dpi=100, layout="constrained")
        ax = fig.add_subplot(projection="polar")
    n = len(profiles)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    for j, col in enumerate(profiles.columns):
        v = profiles[col].astype(float).to_numpy()
        if np.isnan(v).all():
            continue
        vv = np.concatenate([v, v[:1]])
        ax.plot(closed, vv, color=_PALETTE[j % len(_PALETTE)], label=str(col), linewidth=1.8)
        ax.fill(closed, np.nan_to_num(vv), color=_PALETTE[j % len(_PALETTE)], alpha=0.08)
    ax.set_xticks(angles, [str(i) for i in profiles.index], fontsize=8)
    ax.set_ylim(0, rmax)
    ax.set_title(title)
    ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), fontsize=8, frameon=False)
    return ax


def trend(values: pd.Series, low: pd.Series | None = None, high: pd.Series | None = None,
          ax=None, *, title: str = "历年趋势", ylabel: str = "满意度（0-100）"):
    """An index over years (index: year), with its interval as a band; ``NaN`` = suppressed."""
    if not isinstance(values, pd.Series):
        raise ValueError("values must be a Series indexed by year")
    ax = _ax(ax, (6.0, 3.2))
    v = values.astype(float).sort_index()
    x = [str(i) for i in v.index]
    ax.plot(x, v.to_numpy(), marker="o", color=_PALETTE[0])
    if low is not None and high is not None:
        ax.fill_between(x, low.reindex(v.index).astype(float).to_numpy(),
                        high.reindex(v.index).astype(float).to_numpy(),
                        color=_PALETTE[0], alpha=0.15)
    for xi, val in zip(x, v.to_numpy(), strict=True):
        ax.annotate("—" if np.isnan(val) else f"{val:.1f}", (xi, 0 if np.isnan(val) else val),
                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


#: Chinese names of the IPA quadrants of :func:`analysis.drivers.ipa`.
QUADRANT_LABELS = {
    "keep up the good work": "继续保持",
    "concentrate here": "优先整改",
    "low priority": "次要改进",
    "possible overkill": "适度投入",
}


def ipa_chart(table: pd.DataFrame, ax=None, *, labels: pd.Series | None = None,
              title: str = "重要性-表现分析（IPA）", xlabel: str = "表现（满意度）",
              ylabel: str = "重要性"):
    """Importance-performance quadrant chart from :func:`analysis.drivers.ipa` output.

    ``labels`` maps the index (dimension ids) to display names. The cuts come from
    ``table.attrs`` (``performance_cut``, ``importance_cut``) or the means.
    """
    for c in ("performance", "importance", "quadrant"):
        if c not in table.columns:
            raise ValueError(f"table lacks column {c!r} (expected analysis.drivers.ipa output)")
    ax = _ax(ax, (6.5, 5.0))
    p_cut = table.attrs.get("performance_cut", table["performance"].mean())
    i_cut = table.attrs.get("importance_cut", table["importance"].mean())
    colours = {q: _PALETTE[i] for i, q in enumerate(QUADRANT_LABELS)}
    for q, grp in table.groupby("quadrant"):
        ax.scatter(grp["performance"], grp["importance"], s=50, color=colours.get(q, "#333"),
                   label=QUADRANT_LABELS.get(q, q))
    for idx, row in table.iterrows():
        name = labels.get(idx, idx) if labels is not None else idx
        ax.annotate(str(name), (row["performance"], row["importance"]), fontsize=8,
                    textcoords="offset points", xytext=(4, 4))
    ax.axvline(p_cut, color="#999999", linestyle="--", linewidth=1)
    ax.axhline(i_cut, color="#999999", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    return ax


def heatmap(matrix: pd.DataFrame, ax=None, *, title: str = "各单位分维度满意度",
            vmin: float = 50.0, vmax: float = 100.0, colorbar_label: str = "满意度",
            suppressed_mark: str = "—"):
    """Units (rows) × dimensions (columns) heatmap with values written in the cells.

    ``NaN`` cells (suppressed) are grey with ``suppressed_mark``.
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise ValueError("matrix must be a non-empty DataFrame")
    ax = _ax(ax, (1.1 * matrix.shape[1] + 3.5, 0.32 * matrix.shape[0] + 1.8))
    from matplotlib import colormaps

    m = matrix.astype(float).to_numpy()
    cmap = colormaps["RdYlGn"].copy()
    cmap.set_bad("#dddddd")
    image = ax.imshow(np.ma.masked_invalid(m), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for (i, j), val in np.ndenumerate(m):
        ax.text(j, i, suppressed_mark if np.isnan(val) else f"{val:.0f}", ha="center",
                va="center", fontsize=7, color="#555555" if np.isnan(val) else "#111111")
    ax.set_xticks(np.arange(m.shape[1]), [str(c) for c in matrix.columns], rotation=30,
                  ha="right", fontsize=8)
    ax.set_yticks(np.arange(m.shape[0]), [str(i) for i in matrix.index], fontsize=7)
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label=colorbar_label, shrink=0.8)
    return ax


def grouped_bars(table: pd.DataFrame, ax=None, *, title: str = "各评议方结果",
                 ylabel: str = "满意度（0-100）", series_labels: Sequence[str] | None = None):
    """Vertical bars of several series per category (e.g. rater groups' indices per unit).

    ``table``: rows = categories, columns = series; ``NaN`` cells are marked "—".
    """
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ValueError("table must be a non-empty DataFrame")
    ax = _ax(ax, (7.0, 3.6))
    n_series = table.shape[1]
    width = 0.8 / n_series
    x = np.arange(len(table))
    names = list(series_labels) if series_labels is not None else [str(c) for c in table.columns]
    for j, col in enumerate(table.columns):
        v = table[col].astype(float).to_numpy()
        pos = x - 0.4 + width * (j + 0.5)
        ax.bar(pos, np.nan_to_num(v), width=width, color=_PALETTE[j % len(_PALETTE)],
               label=names[j])
        for p, val in zip(pos, v, strict=True):
            ax.text(p, 1 if np.isnan(val) else val + 1, "—" if np.isnan(val) else f"{val:.0f}",
                    ha="center", fontsize=7)
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.set_ylim(0, 105)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    return ax
