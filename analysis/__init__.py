"""Pingjia analysis: scores, indices and statistics of survey campaigns.

A pure library: it takes pandas objects, numpy arrays or Arrow tables (and, at its edge, a
Parquet export) and returns pandas objects and numbers. The app reads the database and hands
it frames; ``analysis`` never imports Flask, SQLAlchemy or ``survey_app``.
Importing ``analysis`` itself is deliberately cheap; import the submodules you need:

- ``analysis.data``: a campaign as a tidy frame (from stored columns or Parquet).
- ``analysis.parquet``: the campaign export as one hive-partitioned Parquet dataset.
- ``analysis.distributed``: unit indices, roll-up, item satisfaction and trends on Dask.
- ``analysis.scoring``: item scores, dimension and overall indices per respondent.
- ``analysis.indices``: satisfaction rate, participation rate, NPS, unit indices.
- ``analysis.rollup``: pooled figures along the organisation tree.
- ``analysis.composite``: weighted multi-party composite over rater groups.
- ``analysis.trends``: year-over-year changes and their significance.
- ``analysis.disclosure``: small-group and complementary suppression; comments.
- ``analysis.assessment_input``: per-unit inputs of the performance assessment.
- ``analysis.assessment``: the performance-assessment engine (points, grades, ranks, honours).
- ``analysis.reliability``, ``analysis.agreement``: Cronbach's alpha, ICC, Krippendorff's alpha.
- ``analysis.weights``, ``analysis.compare``, ``analysis.drivers``: AHP and entropy weights,
  Kruskal-Wallis/Dunn/Mann-Whitney/chi-square, driver analysis and IPA.
- ``analysis.reports``: report tables with disclosure control applied.
- ``analysis.plots``: charts (``fn(..., ax=None) -> ax``) with a CJK font.
- ``analysis.exports``: csv, xlsx (台账), sav, parquet and pdf writers.
"""
