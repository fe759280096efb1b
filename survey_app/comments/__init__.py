"""Comment review (意见审核): free-text comments are released only after the union reviews them.

Routes (campaign managers: platform admins, and union admins of the campaign owner's subtree)
--------------------------------------------------------------------------------------------
``/comments/``                          campaigns whose comments the user may review
``/comments/<campaign id>``             the queue: every comment of a unit whose group reaches
                                        the campaign's minimum size, with suggested masks
``/comments/<campaign id>/review``      POST: release (with the confirmed masked text) or
                                        withhold one comment

Reports, exports and public pages read comments only through
:func:`survey_app.comments.queries.released_comments` (or the frame behind it): released,
masked text of groups at or above the minimum, never the raw answer.
"""
