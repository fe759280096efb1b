"""Compiled translations at start-up.

The catalogues are kept as ``.po`` files; gettext reads the compiled ``.mo``. ``make run``
compiles them, but ``flask run`` or gunicorn started by hand would otherwise serve an English
interface under ``lang="zh-CN"``. The app compiles a catalogue whose ``.mo`` is missing or
older than its ``.po``: beside it when the package is writable, else into the instance folder
(which is then added to the translation directories, after the package's, so it wins).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask


def _is_fresh(mo: Path, po: Path) -> bool:
    return mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime


def compile_catalogue(po: Path, mo: Path) -> None:
    """Compile ``po`` into ``mo`` (fuzzy entries left out, as ``pybabel compile`` does).

    Written to a temporary file and renamed, so that workers starting together never read
    a half-written catalogue.
    """
    locale = po.parent.parent.name
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    mo.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_compiled(app: Flask) -> list[Path]:
    """Compile every stale catalogue of the app's translation directories; return the
    ``.mo`` files written."""
    directories = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";")
    fallback = Path(app.instance_path) / "translations"
    written: list[Path] = []
    use_fallback = False
    for directory in directories:
        root = Path(app.root_path, directory)
        for po in sorted(root.glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if _is_fresh(mo, po):
                continue
            try:
                compile_catalogue(po, mo)
                written.append(mo)
            except OSError:
                target = fallback / po.relative_to(root).with_suffix(".mo")
                use_fallback = True
                if not _is_fresh(target, po):
                    compile_catalogue(po, target)
                    written.append(target)
    if use_fallback and str(fallback) not in directories:
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join([*directories, str(fallback)])
    return written
