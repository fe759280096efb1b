"""Pingjia (评家): the web application.

``create_app`` builds the Flask app: configuration from the environment, extensions,
blueprints (one per area), command-line groups and error pages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from survey_app.config import DEV_SECRET_KEY, Config
from survey_app.extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale


class InsecureConfigError(RuntimeError):
    """Raised when the app would start outside development with the development secret."""


def create_app(config: Config | Mapping[str, object] | None = None) -> Flask:
    """Build the application.

    Parameters
    ----------
    config:
        A ``Config`` object or a mapping of settings that override the environment's.
    """
    app = Flask(__name__, instance_relative_config=True)
    settings = Config().as_dict()
    if isinstance(config, Config):
        settings.update(config.as_dict())
    elif config is not None:
        settings.update(config)
    app.config.from_mapping(settings)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_file = Path(app.instance_path) / "pingjia.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")

    _refuse_insecure_config(app)

    from survey_app import database

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    csrf.init_app(app)
    from survey_app import i18n

    i18n.ensure_compiled(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from flask_babel import get_locale

    from survey_app import errors, permissions, rate_limits, security, vocabulary
    from survey_app.accounts.views import bp as accounts_bp
    from survey_app.admin.views import bp as admin_bp
    from survey_app.api import spec as api_spec
    from survey_app.api.views import bp as api_bp
    from survey_app.api.views import pages as api_pages_bp
    from survey_app.appeals.views import bp as appeals_bp
    from survey_app.assessment.views import bp as assessment_bp
    from survey_app.audit.views import bp as audit_bp
    from survey_app.auth.views import bp as auth_bp
    from survey_app.campaigns.views import bp as campaigns_bp
    from survey_app.comments.views import bp as comments_bp
    from survey_app.committee.views import bp as committee_bp
    from survey_app.evaluations.views import bp as evaluations_bp
    from survey_app.home.views import bp as home_bp
    from survey_app.improvement.views import bp as improvement_bp
    from survey_app.member_surveys.views import bp as member_surveys_bp
    from survey_app.notices.views import bp as notices_bp
    from survey_app.organisations.views import bp as organisations_bp
    from survey_app.partnering.views import bp as partnering_bp
    from survey_app.questionnaire_admin.views import bp as questionnaire_admin_bp
    from survey_app.reports.views import bp as reports_bp

    app.jinja_env.globals["get_locale"] = get_locale
    permissions.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    vocabulary.init_app(app)
    for blueprint in (home_bp, auth_bp, organisations_bp, member_surveys_bp,
                      questionnaire_admin_bp, campaigns_bp, evaluations_bp, assessment_bp,
                      reports_bp, admin_bp, comments_bp, notices_bp, appeals_bp, audit_bp,
                      accounts_bp, partnering_bp, improvement_bp, committee_bp,
                      api_pages_bp):
        app.register_blueprint(blueprint)
    api_spec.init_app(app, api_bp)
    rate_limits.init_app(app)

    from survey_app.cli import register_commands

    register_commands(app)
    return app


#: No configuration may report anonymous groups smaller than this.
ABSOLUTE_GROUP_SIZE_FLOOR = 3


def _refuse_insecure_config(app: Flask) -> None:
    if int(app.config.get("MIN_GROUP_SIZE_FLOOR", 5)) < ABSOLUTE_GROUP_SIZE_FLOOR:
        raise InsecureConfigError(
            f"MIN_GROUP_SIZE_FLOOR is {app.config['MIN_GROUP_SIZE_FLOOR']}: results of "
            f"anonymous groups smaller than {ABSOLUTE_GROUP_SIZE_FLOOR} are never reported")
    env = app.config.get("ENV_NAME", "production")
    if env not in {"development", "testing"} and app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise InsecureConfigError(
            "SECRET_KEY is the development key. Set SECRET_KEY in the environment "
            "(or PINGJIA_ENV=development for local development)."
        )
