"""Fill untranslated entries of a .po catalogue from a YAML mapping (msgid -> msgstr).

Usage: python tools/po_fill.py survey_app/translations/zh/LC_MESSAGES/messages.po NEW.yaml
Prints the msgids still untranslated, so a developer sees what is missing.
"""

from __future__ import annotations

import sys

import yaml
from babel.messages.pofile import read_po, write_po


def main(po_path: str, mapping_path: str | None = None) -> int:
    with open(po_path, "rb") as f:
        catalog = read_po(f, locale="zh")
    mapping = {}
    if mapping_path:
        with open(mapping_path, encoding="utf-8") as f:
            mapping = yaml.safe_load(f) or {}
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in mapping:
            value = mapping[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
        if not (message.string if isinstance(message.string, str) else any(message.string)):
            missing.append(key)
    with open(po_path, "wb") as f:
        write_po(f, catalog, width=100)
    for key in missing:
        print(f"untranslated: {key!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
