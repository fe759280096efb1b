"""Reads of the assessment area: runs, results, the export, one unit's breakdown."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from analysis.assessment import SEP as VETO_SEP
from analysis.assessment import shortfalls
from analysis.spreadsheets import neutralise
from questionnaires.assessment import Scheme, SchemeError, get_scheme
from survey_app.answering import text_in
from survey_app.dates import today
from survey_app.extensions import db
from survey_app.models import Organisation
from survey_app.models.assessment import (
    AssessmentResult,
    AssessmentRun,
    EvidenceFile,
    ObjectiveValue,
    VetoFinding,
)
from survey_app.models.improvement import ACCEPTED, ActionStatus, ImprovementAction
from survey_app.models.partnering import Activity, Pair

EXPORT_FORMATS = ("csv", "xlsx")
_FIXED_TIME = datetime(2000, 1, 1)


def load_scheme(key: str) -> Scheme:
    """Scheme ``key`` from ``ASSESSMENT_SCHEMES_DIR`` (default: the shipped schemes,
    ``questionnaires/assessment``); ``LookupError`` when unknown or invalid."""
    from flask import current_app

    try:
        return get_scheme(key, current_app.config.get("ASSESSMENT_SCHEMES_DIR"))
    except KeyError as exc:
        raise LookupError(str(exc).strip("'\"")) from None
    except SchemeError as exc:
        raise LookupError(f"scheme files are invalid:\n{exc}") from None


def get_run(scheme_key: str, year: int) -> AssessmentRun | None:
    return db.session.scalar(select(AssessmentRun).where(
        AssessmentRun.scheme_key == scheme_key, AssessmentRun.year == year))


def runs() -> list[AssessmentRun]:
    return list(db.session.scalars(
        select(AssessmentRun).order_by(AssessmentRun.year.desc(), AssessmentRun.scheme_key)))


def result_for(run: AssessmentRun | None, org_id: int) -> AssessmentResult | None:
    if run is None:
        return None
    return db.session.scalar(select(AssessmentResult).where(
        AssessmentResult.run_id == run.id, AssessmentResult.organisation_id == org_id))


def _name(text: Any) -> str:
    return text.zh if text is not None else ""


def export_table(scheme: Scheme, run: AssessmentRun, within: Organisation | None = None,
                 *, below_only: bool = False) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the export, one row per unit (of ``within``'s subtree, if given;
    without ``within`` itself when ``below_only``), sorted by unit code."""
    parent = aliased(Organisation)
    query = (
        select(AssessmentResult, Organisation, parent.code)
        .join(Organisation, Organisation.id == AssessmentResult.organisation_id)
        .outerjoin(parent, parent.id == Organisation.parent_id)
        .where(AssessmentResult.run_id == run.id)
        .order_by(Organisation.code)
    )
    if within is not None:
        query = query.where(Organisation.path.startswith(within.path))
        if below_only:
            query = query.where(Organisation.id != within.id)
    rows = db.session.execute(query).all()
    grades = {g.key: g.name.zh for g in scheme.grades}
    honours = {h.key: h.name.zh for h in scheme.honours}
    keys = [i.key for i in scheme.indicators]
    header = ["unit_code", "unit_name", "parent_code", "kind", "score", "grade", "rank",
              "peers", "bottom", "veto", "veto_reason", "honours_eligible", "status",
              "missing", "flags"] + [f"points:{k}" for k in keys]
    out = []
    for res, org, parent_code in rows:
        points = (res.details or {}).get("points", {})
        out.append([
            org.code, org.name, parent_code or "", org.kind,
            _round(res.score, scheme.decimals), grades.get(res.grade, res.grade),
            res.rank, res.peers, "yes" if res.bottom else "no", "yes" if res.veto else "no",
            res.veto_reason,
            ";".join(honours.get(h, h) for h in res.honours.split(";") if h),
            res.status, ";".join((res.details or {}).get("missing", [])), res.flags,
        ] + [_round(points.get(k), scheme.decimals) for k in keys])
    return header, out


def _round(v: Any, decimals: int) -> Any:
    return None if v is None else round(float(v), decimals)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6f}".rstrip("0").rstrip(".")
    return str(v)


def export_csv(scheme: Scheme, run: AssessmentRun, within: Organisation | None = None,
               below_only: bool = False) -> bytes:
    """UTF-8 CSV with a BOM (Excel opens it with the Chinese intact); deterministic."""
    header, rows = export_table(scheme, run, within, below_only=below_only)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([neutralise(_cell_text(v)) if not isinstance(v, int | float) or v is None
                    else _cell_text(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def export_xlsx(scheme: Scheme, run: AssessmentRun, within: Organisation | None = None,
               below_only: bool = False) -> bytes:
    """An Excel workbook; text cells neutralised; byte-identical for identical results."""
    from openpyxl import Workbook

    header, rows = export_table(scheme, run, within, below_only=below_only)
    wb = Workbook()
    ws = wb.active
    ws.title = "assessment"
    ws.append(header)
    for r in rows:
        ws.append([neutralise(v) for v in r])
    about = wb.create_sheet("about")
    for name, value in (("scheme", scheme.key), ("scheme_version", scheme.version),
                        ("scheme_hash", run.scheme_hash), ("year", run.year),
                        ("results_digest", run.results_digest)):
        about.append([name, neutralise(value)])
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    wb.properties.creator = "Pingjia"
    raw = io.BytesIO()
    wb.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times so identical content gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<3>", body)
            dst.writestr(fixed, body)
    return out.getvalue()


def export_bytes(scheme: Scheme, run: AssessmentRun, fmt: str,
                 within: Organisation | None = None, below_only: bool = False) -> bytes:
    if fmt == "csv":
        return export_csv(scheme, run, within, below_only)
    if fmt == "xlsx":
        return export_xlsx(scheme, run, within, below_only)
    raise ValueError(f"unknown format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")


def unit_breakdown(scheme: Scheme, run: AssessmentRun, result: AssessmentResult,
                   previous: AssessmentResult | None) -> dict[str, Any]:
    """Everything the unit's results page shows."""
    details = result.details or {}
    points = details.get("points", {})
    values = details.get("values", {})
    prev_points = ((previous.details or {}).get("points", {}) if previous else {})
    computed = details.get("computed", {})
    lines = []
    for ind in scheme.indicators:
        p = points.get(ind.key)
        pp = prev_points.get(ind.key)
        lines.append({"indicator": ind, "value": values.get(ind.key), "points": p,
                      "previous": pp, "computed": computed.get(ind.source.objective or ""),
                      "change": None if p is None or pp is None else round(p - pp, 6)})
    row = {f"points:{k}": (float("nan") if v is None else v) for k, v in points.items()}
    peers = peer_results(run, result.organisation)
    return {
        "lines": lines,
        "shortfalls": shortfalls(row, scheme, top=5),
        "peers": peers,
        "previous": previous,
        "score_change": (None if previous is None or previous.score is None
                         or result.score is None else round(result.score - previous.score, 6)),
        "details": details,
        "grade": _grade_name(scheme, result.grade),
        "honours": [h for h in scheme.honours if h.key in result.honours.split(";")],
        "mandatory_failed": [m for m in scheme.mandatory
                             if m.key in details.get("mandatory_failed", [])],
    }


def _grade_name(scheme: Scheme, key: str):
    for g in scheme.grades:
        if g.key == key:
            return g.name
    return None


def peer_results(run: AssessmentRun, org: Organisation) -> list[tuple[AssessmentResult,
                                                                      Organisation]]:
    """The results of the unit's peers (same parent, same kind), best first."""
    rows = db.session.execute(
        select(AssessmentResult, Organisation)
        .join(Organisation, Organisation.id == AssessmentResult.organisation_id)
        .where(AssessmentResult.run_id == run.id, Organisation.kind == org.kind,
               (Organisation.parent_id == org.parent_id) if org.parent_id is not None
               else Organisation.parent_id.is_(None))
    ).all()
    return sorted(rows, key=lambda r: (r[0].rank is None, r[0].rank or 0, r[1].code))


def inputs_of(scheme: Scheme, year: int, org: Organisation) -> dict[str, Any]:
    base = (ObjectiveValue.scheme_key == scheme.key, ObjectiveValue.year == year,
            ObjectiveValue.organisation_id == org.id)
    values = {v.indicator: v for v in db.session.scalars(select(ObjectiveValue).where(*base))}
    vetoes = {v.item: v for v in db.session.scalars(select(VetoFinding).where(
        VetoFinding.scheme_key == scheme.key, VetoFinding.year == year,
        VetoFinding.organisation_id == org.id))}
    files = list(db.session.scalars(select(EvidenceFile).where(
        EvidenceFile.scheme_key == scheme.key, EvidenceFile.year == year,
        EvidenceFile.organisation_id == org.id).order_by(EvidenceFile.id)))
    return {"values": values, "vetoes": vetoes, "files": files}


def available_schemes() -> dict[str, Scheme]:
    from flask import current_app

    from questionnaires.assessment import schemes

    return schemes(current_app.config.get("ASSESSMENT_SCHEMES_DIR"))


# --- which campaigns feed a computation -----------------------------------------------------

#: Published results are preferred to closed ones, closed to open ones.
STATUS_PREFERENCE = {"published": 0, "closed": 1, "open": 2}


def assessing_units() -> list[Organisation]:
    """The unit(s) that run the assessment: the top of each tree (a run covers every tree)."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.parent_id.is_(None)).order_by(Organisation.code)))


def campaign_candidates(scheme: Scheme, year: int) -> dict[str, list]:
    """For each campaign slot of ``scheme``, the campaigns of its kind and ``year`` that may
    feed it (closed or published: an open campaign's figures are not released, and an
    assessment computed from it would move with each submission): the assessing union's
    first, then by owner level, status and code."""
    from survey_app.models import Campaign
    from survey_app.release_policy import RELEASED_STATUSES

    out: dict[str, list] = {}
    for slot in scheme.campaigns:
        found = list(db.session.scalars(select(Campaign).where(
            Campaign.kind == slot.kind, Campaign.year == year,
            Campaign.status.in_(RELEASED_STATUSES))))
        found.sort(key=lambda c: (c.owner.depth if c.owner is not None else 99,
                                  STATUS_PREFERENCE.get(c.status, 9), c.code))
        out[slot.key] = found
    return out


def veto_reason_named(scheme: Scheme, text: str | None, lang: str) -> str:
    """A result's veto reason (``item: reason;...``, as the computation keeps it) with each
    item's key replaced by its name in ``lang``."""
    names = {v.key: text_in(v.name, lang) for v in scheme.veto}
    parts = []
    for part in (text or "").split(VETO_SEP):
        key, sep, rest = part.strip().partition(":")
        if key in names:
            part = names[key] + (("：" if lang != "en" else ": ") + rest.strip() if sep else "")
        parts.append(part)
    return "; ".join(p for p in parts if p)


# --- figures Pingjia computes from its own records -------------------------------------------

def partnering_activity_counts(year: int) -> dict[int, int]:
    """Confirmed 联手兴家 activities held in ``year``, per unit, on either side of a pair."""
    rows = db.session.execute(
        select(Pair.lead_id, Pair.partner_id)
        .join(Activity, Activity.pair_id == Pair.id)
        .where(Activity.confirmed_at.is_not(None),
               Activity.held_on >= date(year, 1, 1), Activity.held_on <= date(year, 12, 31))
    ).all()
    counts: dict[int, int] = {}
    for lead_id, partner_id in rows:
        counts[lead_id] = counts.get(lead_id, 0) + 1
        counts[partner_id] = counts.get(partner_id, 0) + 1
    return counts


def follow_through_rates(year: int, on: date | None = None) -> dict[int, float]:
    """Per unit, the share of its accepted 整改 actions due in ``year`` (and by ``on``, today by
    default) that were done by their due date and verified. Units with no such action are
    absent: the figure does not apply to them."""
    on = on or today()
    last = min(date(year, 12, 31), on)
    rows = db.session.execute(
        select(ImprovementAction.organisation_id, ImprovementAction.status,
               ImprovementAction.done_on, ImprovementAction.due_on)
        .where(ImprovementAction.due_on >= date(year, 1, 1), ImprovementAction.due_on <= last,
               ImprovementAction.status.in_(ACCEPTED))
    ).all()
    due: dict[int, int] = {}
    kept: dict[int, int] = {}
    for org_id, status, done_on, due_on in rows:
        due[org_id] = due.get(org_id, 0) + 1
        if status == ActionStatus.VERIFIED.value and done_on is not None and done_on <= due_on:
            kept[org_id] = kept.get(org_id, 0) + 1
    return {org_id: kept.get(org_id, 0) / n for org_id, n in due.items()}


def computed_objectives(scheme: Scheme, year: int, units: list[Organisation]
                        ) -> dict[str, dict[str, float | None]]:
    """``{objective key: {unit code: value}}`` for the scheme's computed objective indicators;
    None where the figure does not apply. A unit without activities has 0 activities."""
    out: dict[str, dict[str, float | None]] = {}
    for spec in scheme.objectives:
        if spec.computed == "partnering_activities":
            counts = partnering_activity_counts(year)
            out[spec.key] = {o.code: float(counts.get(o.id, 0)) for o in units}
        elif spec.computed == "action_follow_through":
            rates = follow_through_rates(year)
            out[spec.key] = {o.code: rates.get(o.id) for o in units}
    return out
