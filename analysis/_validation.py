"""Shared input checks of the statistics modules (reliability, agreement, weights, compare,
drivers). Every check raises ``ValueError`` with a message that names the argument."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def as_frame(data: object, name: str, *, min_rows: int = 2, min_cols: int = 2,
             row_label: str = "rows", col_label: str = "columns") -> pd.DataFrame:
    """``data`` as a float DataFrame with at least ``min_rows`` rows and ``min_cols`` columns."""
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        arr = np.asarray(data)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got {arr.ndim} dimension(s)")
        frame = pd.DataFrame(arr)
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if frame.size == 0:
        raise ValueError(f"{name} is empty")
    if np.isinf(frame.to_numpy()).any():
        raise ValueError(f"{name} contains infinite values")
    if frame.isna().all().all():
        raise ValueError(f"{name} is all NaN")
    if frame.shape[1] < min_cols:
        raise ValueError(f"{name} needs at least {min_cols} {col_label}, got {frame.shape[1]}")
    if frame.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} {row_label}, got {frame.shape[0]}")
    return frame


def as_vector(data: Iterable, name: str, *, min_size: int = 1) -> np.ndarray:
    """``data`` as a 1-D float array without NaN, with at least ``min_size`` values."""
    try:
        arr = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got {arr.ndim} dimension(s)")
    arr = arr[~np.isnan(arr)]
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    if arr.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} non-missing value(s), got {arr.size}")
    return arr


def check_ci(ci: float) -> float:
    """A confidence level strictly between 0 and 1."""
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (exclusive), got {ci}")
    return float(ci)


def check_choice(value: str, name: str, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(choices)}")
    return value
