"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

import os

from flask import has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The user's chosen language (session), else the default: Simplified Chinese.

    Outside a request (the command line), ``PINGJIA_LANG`` chooses, default Chinese.
    """
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        lang = os.environ.get("PINGJIA_LANG", "")
        return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]
