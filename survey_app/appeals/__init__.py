"""Appeals (申诉): a unit contests a veto finding, its grade or an assessor's checklist finding
of a published performance assessment, within ``APPEAL_WINDOW_DAYS`` (default 15) of
publication; the upper union upholds or rejects it with a reason. Every step is audited, and
the appeals are shown on the unit's assessment page.

Routes (rules in :mod:`survey_app.permissions`: ``can_appeal``, ``can_decide_appeal``,
``can_see_appeal``)
-------------------------------------------------------------------------------------------
``/appeals/``                                       appeals the user may see
``/appeals/<scheme>/<year>/<unit code>/new``        GET/POST: the unit's own admins appeal
``/appeals/<id>``                                   the appeal, and the decision form
``/appeals/<id>/decide``                            POST: the upper union decides
``/appeals/<id>/evidence``                          the appeal's evidence file
"""
