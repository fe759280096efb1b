"""Reports: campaign dashboards, unit pages, heatmaps, chart images and exports.

Routes (access rules in :mod:`survey_app.permissions`; 403 outside scope, 404 unknown)
--------------------------------------------------------------------------------------
``/reports/``                                  campaigns with results the user may see,
                                               filters: year, kind of campaign
``/reports/<code>/``                           overview of the user's subtree: participation
                                               over time, index and rate with intervals,
                                               answer distribution, dimensions, units ranked
``/reports/<code>/units/<unit>``               unit page: radar vs parent and peers' median,
                                               items with Wilson intervals, trend over years,
                                               IPA, rater-group breakdown, comments
``/reports/<code>/heatmap``                    units × dimensions (``?unit=`` root)
``/reports/<code>/charts/<name>.png|svg``      chart images, cached per data version
``/reports/<code>/export.<fmt>``               csv | sav | parquet (raw rows, platform admins
                                               and analysts only) | xlsx (台账) | pdf
Filters on a campaign's pages: ``?group=<rater group>&level=<unit kind>``.

Figures come from :mod:`analysis.reports` (disclosure control applied once per campaign
over the whole tree), charts from :mod:`analysis.plots`, files from :mod:`analysis.exports`.
The CSV streams; the xlsx and PDF are built in memory (the demo federation's 台账 takes a
few seconds; a federation of thousands of units would want the command line,
``flask report build``, or a background job).
"""
