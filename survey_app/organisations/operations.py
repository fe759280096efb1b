"""Importing and exporting the organisation tree.

An import is read, then checked whole, then written in one transaction: a file with any
error changes nothing. Errors name the row (as numbered in the file, header = row 1) and
the column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from analysis.spreadsheets import SpreadsheetError, neutralise, read_table
from questionnaires.vocabulary import parse_org_kind
from survey_app.errors import ProblemList, spreadsheet_message
from survey_app.extensions import db
from survey_app.models import Organisation, OrgKind
from survey_app.models.audit import record
from survey_app.models.organisation import ALLOWED_PARENTS
from survey_app.vocabulary import labels, name_of

COLUMNS = ("code", "name", "kind", "parent_code", "members")
MAX_ROWS = 100_000
#: Encodings tried in turn for CSV files. GB18030 is a superset of GBK and GB2312.

KIND_LABELS = labels(OrgKind)

#: Chinese column headers accepted as aliases of the English ones.
HEADER_ALIASES = {
    "代码": "code",
    "单位代码": "code",
    "编码": "code",
    "名称": "name",
    "单位名称": "name",
    "类型": "kind",
    "级别": "kind",
    "上级代码": "parent_code",
    "上级单位代码": "parent_code",
    "会员数": "members",
    "会员人数": "members",
}


@dataclass(frozen=True)
class ImportIssue:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(str(_l("row %(row)s", row=self.row)))
        if self.column:
            where.append(str(_l("column %(column)s", column=self.column)))
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else str(self.message)


class ImportFailed(ProblemList):
    """An org sheet with problems; ``issues`` lists every one, with its row and column."""

    def __init__(self, issues: list[ImportIssue]):
        super().__init__(issues)
        self.issues = issues

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    codes: list[str] = field(default_factory=list)


def read_rows(data: bytes, filename: str) -> list[dict[str, str] | None]:
    """Read a CSV or Excel file into rows of strings keyed by column name (None for a blank
    row, so that row numbers stay those of the file)."""
    try:
        table = read_table(data, filename, max_rows=MAX_ROWS)
    except SpreadsheetError as error:
        raise ImportFailed([ImportIssue(None, None, spreadsheet_message(error))]) from None
    if not table:
        raise ImportFailed([ImportIssue(None, None, str(_l("The file is empty.")))])
    header = [HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFailed(
            [
                ImportIssue(
                    1, c, str(_l("missing column (expected: %(cols)s)", cols=",".join(COLUMNS)))
                )
                for c in missing
            ]
        )
    rows: list[dict[str, str] | None] = []
    for values in table[1:]:
        cells = [v.strip() for v in values]
        if not any(cells):
            rows.append(None)
            continue
        cells += [""] * (len(header) - len(cells))
        rows.append({h: cells[i] for i, h in enumerate(header) if h in COLUMNS})
    return rows


def check_rows(
    rows: list[dict[str, str] | None], scope: Organisation | None = None
) -> tuple[list[dict], list[ImportIssue]]:
    """Check every row against the file and the database; return clean rows and all issues.

    With ``scope`` (a union admin's unit), every row must end up below that unit, and an
    existing unit may be changed only if it already lies there.
    """
    issues: list[ImportIssue] = []
    existing = {o.code: o for o in db.session.scalars(select(Organisation))}
    seen: dict[str, int] = {}
    clean: list[dict] = []
    for index, row in enumerate(rows, start=2):
        if row is None:
            continue
        code, name, kind = row["code"], row["name"], row["kind"]
        ok = True
        if not code:
            issues.append(ImportIssue(index, "code", str(_l("the code is empty"))))
            ok = False
        elif len(code) > 64:
            issues.append(
                ImportIssue(index, "code", str(_l("the code is longer than 64 characters")))
            )
            ok = False
        elif code in seen:
            issues.append(
                ImportIssue(
                    index,
                    "code",
                    str(
                        _l(
                            "duplicate code %(code)s (also in row %(other)s)",
                            code=code,
                            other=seen[code],
                        )
                    ),
                )
            )
            ok = False
        else:
            seen[code] = index
        if not name:
            issues.append(ImportIssue(index, "name", str(_l("the name is empty"))))
            ok = False
        elif len(name) > 200:
            issues.append(
                ImportIssue(index, "name", str(_l("the name is longer than 200 characters")))
            )
            ok = False
        try:
            kind = parse_org_kind(kind).value
        except ValueError:
            issues.append(
                ImportIssue(
                    index,
                    "kind",
                    str(
                        _l(
                            "unknown kind %(kind)s (allowed: %(allowed)s)",
                            kind=kind,
                            allowed="、".join(name_of(k) for k in OrgKind),
                        )
                    ),
                )
            )
            ok = False
        members = row["members"] or "0"
        try:
            members_n = int(members)
            if members_n < 0:
                raise ValueError(members)
        except ValueError:
            issues.append(
                ImportIssue(
                    index,
                    "members",
                    str(_l("members must be a whole number ≥ 0, not %(value)s", value=members)),
                )
            )
            ok = False
            members_n = 0
        if ok:
            clean.append(
                {
                    "row": index,
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "parent_code": row["parent_code"] or None,
                    "members": members_n,
                }
            )

    # The tree after the import: existing units, overridden by the file's rows.
    parent_of = {c: (o.parent.code if o.parent else None) for c, o in existing.items()}
    kind_of = {c: o.kind for c, o in existing.items()}
    for r in clean:
        parent_of[r["code"]] = r["parent_code"]
        kind_of[r["code"]] = r["kind"]
    for r in clean:
        parent = r["parent_code"]
        if parent is None:
            continue
        if parent == r["code"]:
            issues.append(
                ImportIssue(r["row"], "parent_code", str(_l("a unit cannot be its own parent")))
            )
        elif parent not in parent_of:
            issues.append(
                ImportIssue(
                    r["row"], "parent_code", str(_l("unknown parent %(code)s", code=parent))
                )
            )
        elif OrgKind(kind_of[parent]) not in ALLOWED_PARENTS[OrgKind(r["kind"])]:
            issues.append(
                ImportIssue(
                    r["row"],
                    "kind",
                    str(
                        _l(
                            "a %(kind)s cannot be under a %(parent_kind)s",
                            kind=KIND_LABELS[r["kind"]],
                            parent_kind=KIND_LABELS[kind_of[parent]],
                        )
                    ),
                )
            )
    cycle_issues = list(_cycles(clean, parent_of))
    issues.extend(cycle_issues)
    if scope is not None and not cycle_issues:
        issues.extend(_outside_scope(clean, parent_of, existing, scope))
    return clean, sorted(issues, key=lambda i: (i.row or 0, i.column or ""))


def _cycles(clean: list[dict], parent_of: dict[str, str | None]) -> Iterable[ImportIssue]:
    reported: set[str] = set()
    for r in clean:
        chain = [r["code"]]
        node = parent_of.get(r["code"])
        while node is not None and node in parent_of and node not in chain:
            chain.append(node)
            node = parent_of.get(node)
        if node is not None and node in chain and r["code"] not in reported:
            cycle = chain[chain.index(node) :] + [node]
            reported.update(cycle)
            yield ImportIssue(
                r["row"],
                "parent_code",
                str(_l("the parents form a cycle: %(cycle)s", cycle=" → ".join(cycle))),
            )


def _outside_scope(clean, parent_of, existing, scope: Organisation) -> Iterable[ImportIssue]:
    """A union admin's import adds or changes units strictly below its own unit: its own
    row (its place in the tree, its name, its member count: the upper union's to set) and
    any parent link that leaves its subtree are refused, row by row."""
    for r in clean:
        if r["code"] == scope.code:
            yield ImportIssue(r["row"], "code", str(_l(
                "your own organisation %(scope)s is changed by the union above it, not by "
                "your import", scope=scope.code)))
            continue
        current = existing.get(r["code"])
        inside = current is None or (current.is_within(scope) and current.code != scope.code)
        node = r["code"]
        if inside:
            node = parent_of.get(node)
            while node is not None and node != scope.code:
                node = parent_of.get(node)
            inside = node == scope.code
        if not inside:
            yield ImportIssue(
                r["row"],
                "parent_code",
                str(
                    _l(
                        "unit %(code)s would be outside your organisation %(scope)s",
                        code=r["code"],
                        scope=scope.code,
                    )
                ),
            )


def import_rows(
    rows: list[dict[str, str] | None], user=None, scope: Organisation | None = None
) -> ImportResult:
    """Check, then create or update units in one transaction. Raises ``ImportFailed``."""
    clean, issues = check_rows(rows, scope)
    if issues:
        raise ImportFailed(issues)
    result = ImportResult()
    try:
        by_code = {o.code: o for o in db.session.scalars(select(Organisation))}
        for r in clean:
            org = by_code.get(r["code"])
            if org is None:
                org = Organisation(code=r["code"], path="", depth=0)
                db.session.add(org)
                by_code[r["code"]] = org
                result.created += 1
            else:
                result.updated += 1
            org.name, org.kind, org.members = r["name"], r["kind"], r["members"]
            result.codes.append(r["code"])
        db.session.flush()  # ids for new units
        for r in clean:
            parent = by_code[r["parent_code"]] if r["parent_code"] else None
            by_code[r["code"]].parent = parent
        db.session.flush()
        recompute_paths(by_code.values())
        record(
            "orgs.import",
            "organisation",
            None,
            user,
            created=result.created,
            updated=result.updated,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def recompute_paths(orgs: Iterable[Organisation]) -> None:
    """Set every unit's materialised path from its parent, top down."""
    orgs = list(orgs)
    children: dict[int | None, list[Organisation]] = {}
    for o in orgs:
        children.setdefault(o.parent_id, []).append(o)
    stack = [(o, "/") for o in children.get(None, [])]
    while stack:
        org, prefix = stack.pop()
        org.path = f"{prefix}{org.id}/"
        org.depth = org.path.count("/") - 2
        stack.extend((c, org.path) for c in children.get(org.id, []))


def import_file(
    data: bytes, filename: str, user=None, scope: Organisation | None = None
) -> ImportResult:
    return import_rows(read_rows(data, filename), user=user, scope=scope)


def export_rows(orgs: Iterable[Organisation]) -> str:
    """The organisation tree as CSV text with the import's columns, parents first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for o in sorted(orgs, key=lambda o: (o.depth, o.code)):
        writer.writerow(
            [
                neutralise(o.code),
                neutralise(o.name),
                o.kind,
                neutralise(o.parent.code) if o.parent else "",
                o.members,
            ]
        )
    return out.getvalue()
