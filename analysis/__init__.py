"""Pingjia analysis: scores, indices and statistics of survey campaigns.

A pure library: it takes pandas objects (and, at its edge, a database URL or a Parquet
export) and returns pandas objects and numbers. It never imports Flask or ``survey_app``.
Importing ``analysis`` itself is deliberately cheap; import the submodules you need:

- ``analysis.data``: load a campaign into a tidy frame (database or Parquet).
- ``analysis.scoring``: item scores, dimension and overall indices per respondent.
- ``analysis.indices``: satisfaction rate, participation rate, NPS, unit indices.
- ``analysis.rollup``: pooled figures along the organisation tree.
- ``analysis.composite``: weighted multi-party composite over rater groups.
- ``analysis.trends``: year-over-year changes and their significance.
- ``analysis.disclosure``: small-group and complementary suppression; comments.
- ``analysis.assessment_input``: per-unit inputs of the performance assessment.
"""
