"""The CJK font the charts and PDFs use, shipped by a pip package (never downloaded).

``mplfonts`` installs Noto Sans CJK SC with the package. We register the font file with
matplotlib explicitly rather than trusting matplotlib's font cache, which may have been
built before the font was installed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_FAMILY = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font file; ``RuntimeError`` if the package is missing."""
    try:
        import mplfonts
    except ImportError as exc:  # pragma: no cover - the install provides it
        raise RuntimeError("the mplfonts package (Noto Sans CJK SC) is not installed") from exc
    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"CJK font not found at {path}")
    return path


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default; return its family."""
    import matplotlib as mpl
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [FONT_FAMILY, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    return FONT_FAMILY
