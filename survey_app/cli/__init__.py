"""Command-line groups: ``flask --app survey_app <group> <command>``."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from survey_app.cli.actions import actions
    from survey_app.cli.api import api
    from survey_app.cli.assessment import assessment
    from survey_app.cli.audit import audit
    from survey_app.cli.campaigns import assignments, campaign
    from survey_app.cli.codes import codes
    from survey_app.cli.orgs import orgs
    from survey_app.cli.partnering import honours, partnering
    from survey_app.cli.questionnaire import questionnaire
    from survey_app.cli.reports import report
    from survey_app.cli.users import user
    from survey_app.cli.webhooks import webhooks

    for group in (user, orgs, codes, questionnaire, campaign, assignments, assessment, report,
                  audit, partnering, honours, actions, api, webhooks):
        app.cli.add_command(group)
    try:  # the demo lives outside the app, and a production install may leave it out
        from demo.cli import demo
    except ImportError:
        return
    app.cli.add_command(demo)
