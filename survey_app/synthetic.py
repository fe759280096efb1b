"""Synthetic answers for the demo: the generator of :mod:`analysis.synthetic`.

Each respondent has a latent satisfaction (unit effect + personal effect); each scored item
adds its own noise and the latent is cut into the scale's points, so items correlate within
a respondent and units differ. Some answers are "don't know" and some are left out.
"""

from __future__ import annotations

from analysis.synthetic import COMMENTS_IMPROVE, COMMENTS_KEEP, synthetic_answers

__all__ = ["COMMENTS_IMPROVE", "COMMENTS_KEEP", "synthetic_answers"]
