"""The vocabulary's names on screen: kinds and statuses in the page's language.

The values and their Chinese and English names live in ``questionnaires.vocabulary``; this
module translates the English name through the catalogue when a page shows it, and registers
the template filters ``kind_name`` and ``status_name``. A value the vocabulary does not know
is shown as it is (never hidden), so a missing name is visible in review.
"""

from __future__ import annotations

import enum

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from questionnaires.vocabulary import NAMES

_BY_VALUE: dict[str, enum.StrEnum] = {member.value: member for member in NAMES}


def name_of(value: object) -> str:
    """The name of a kind or status value in the current language."""
    member = _BY_VALUE.get(str(value)) if value is not None else None
    if member is None:
        return "" if value is None else str(value)
    return _(NAMES[member].en)


def choices(kind: type[enum.StrEnum]) -> list[tuple[str, object]]:
    """``[(value, lazy name)]`` for a form's select field, in the vocabulary's order."""
    return [(member.value, _l(NAMES[member].en)) for member in kind]


def labels(kind: type[enum.StrEnum]) -> dict[str, object]:
    """``{value: lazy name}`` for every member of ``kind``."""
    return dict(choices(kind))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["kind_name"] = name_of
    app.jinja_env.filters["status_name"] = name_of
    app.jinja_env.globals["kind_name"] = name_of
