"""Results shown back to members (公示): a public, disclosure-safe page per unit.

Routes
------
``/u/<unit code>/results``              public (no login): the unit's results in the latest
                                        published campaign whose managers turned 公示 on: the
                                        figures the published report shows for the unit (the
                                        same suppression, nothing recomputed), released
                                        comments, and a QR code of the page
``/u/<unit code>/results/print``        the same, laid out for an A4 notice board
``/notices/<campaign id>/public``       POST (campaign managers): turn 公示 on or off
"""
