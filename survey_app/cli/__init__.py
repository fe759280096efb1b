"""Command-line groups: ``flask --app survey_app <group> <command>``."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from survey_app.cli.assessment import assessment
    from survey_app.cli.campaigns import assignments, campaign
    from survey_app.cli.codes import codes
    from survey_app.cli.demo import demo
    from survey_app.cli.orgs import orgs
    from survey_app.cli.questionnaire import questionnaire
    from survey_app.cli.reports import report
    from survey_app.cli.users import user

    for group in (user, orgs, demo, codes, questionnaire, campaign, assignments, assessment,
                  report):
        app.cli.add_command(group)
