"""Writes of the assessment area: inputs entered by upper unions, evidence uploads, the
computation and its publication. Every write records an audit entry in the same transaction.

Who may do what (checked here, on the server, for every object):

- objective indicators, veto findings and evidence of a unit are entered by a platform admin
  or by a union admin of a unit *strictly above* it (never for the admin's own unit);
- results of a unit are seen by platform admins, and by union admins and analysts whose
  subtree holds it: units strictly below them at any time, their own unit only once the
  assessment is published (``flask assessment publish``), so a unit does not watch its own
  score move while the upper union is still entering inputs.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import secrets
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from analysis.assessment import (
    POINTS,
    VALUE,
    assess,
    campaign_figures,
    result_digest,
)
from analysis.spreadsheets import SpreadsheetError, read_table
from questionnaires.assessment import ObjectiveDef, Scheme
from survey_app.answering import text_in
from survey_app.assessment.queries import (
    STATUS_PREFERENCE,
    assessing_units,
    campaign_candidates,
    computed_objectives,
)
from survey_app.errors import DomainError, NotAllowed, ProblemList, spreadsheet_message
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, CampaignTarget, Organisation
from survey_app.models.assessment import (
    AssessmentResult,
    AssessmentRun,
    EvidenceFile,
    ObjectiveValue,
    VetoFinding,
)
from survey_app.models.audit import record
from survey_app.permissions import can_enter_for
from survey_app.reports.loading import load_campaign, load_checklist_totals

#: Accepted evidence types, recognised by content (not by the file name).
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class AssessmentError(DomainError):
    """A request the assessment area refuses; the message is for the user."""


def _require_entry(user: Any, org: Organisation) -> None:
    if user is not None and not can_enter_for(user, org):
        raise NotAllowed(_("Only an upper-level union may enter this unit's assessment inputs."))


# --- inputs ---------------------------------------------------------------------------------

def set_objective(scheme: Scheme, year: int, org: Organisation, key: str,
                  value: float | None, note: str = "", user: Any = None) -> ObjectiveValue | None:
    """Enter (or clear, with ``value`` None) an objective indicator of ``org``."""
    _require_entry(user, org)
    try:
        spec = scheme.objective(key)
    except KeyError:
        raise AssessmentError(_("Unknown objective indicator %(key)s.", key=key)) from None
    if value is not None:
        _check_objective_value(spec, value)
    if spec.computed and value is not None and not (note or "").strip():
        raise AssessmentError(_(
            "%(name)s is computed from Pingjia's records; a typed value overrides it and "
            "needs the reason in the note.", name=text_in(spec.name, str(get_locale() or "zh"))))
    row = db.session.scalar(select(ObjectiveValue).where(
        ObjectiveValue.scheme_key == scheme.key, ObjectiveValue.year == year,
        ObjectiveValue.organisation_id == org.id, ObjectiveValue.indicator == key))
    before = None if row is None else {"value": row.value, "note": row.note}
    if value is None:
        if row is not None:
            db.session.delete(row)
            record("assessment.objective_cleared", "organisation", org.id, user,
                   scheme=scheme.key, year=year, indicator=key, before=before,
                   computed=bool(spec.computed))
        return None
    if row is None:
        row = ObjectiveValue(scheme_key=scheme.key, year=year, organisation_id=org.id,
                             indicator=key)
        db.session.add(row)
    row.value = float(value)
    row.note = (note or "").strip()[:4000]
    row.entered_by_id = getattr(user, "id", None)
    row.entered_at = datetime.now(UTC)
    record("assessment.objective_override" if spec.computed else "assessment.objective_set",
           "organisation", org.id, user, scheme=scheme.key, year=year, indicator=key,
           value=float(value), note=row.note, before=before)
    return row


def _check_objective_value(spec: ObjectiveDef, value: object) -> None:
    """Refuse a value outside the indicator's kind and range, naming the indicator in the
    page's language; a rate is a share, so the message shows it as a percentage too."""
    name = text_in(spec.name, str(get_locale() or "zh"))
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise AssessmentError(_("%(name)s: the value must be a number.", name=name))
    if spec.kind == "boolean" and value not in (0, 1):
        raise AssessmentError(_("%(name)s: enter 1 (yes) or 0 (no).", name=name))
    if spec.kind == "count" and value != int(value):
        raise AssessmentError(_("%(name)s: enter a whole number.", name=name))
    low, high = spec.min, spec.max
    if (low is not None and value < low) or (high is not None and value > high):
        if spec.kind == "rate":
            raise AssessmentError(_(
                "%(name)s is a share between %(low)g and %(high)g (0.872 means 87.2%%); "
                "%(value)g would be %(percent)s.", name=name, low=low, high=high, value=value,
                percent=f"{value * 100:g}%"))
        raise AssessmentError(_("%(name)s must be between %(low)s and %(high)s, not %(value)g.",
                                name=name, low="-∞" if low is None else f"{low:g}",
                                high="∞" if high is None else f"{high:g}", value=value))


def set_veto(scheme: Scheme, year: int, org: Organisation, item: str, failed: bool,
             reason: str = "", user: Any = None) -> VetoFinding | None:
    """Record (``failed``) or withdraw a veto finding; a failed item needs a reason."""
    _require_entry(user, org)
    if item not in {v.key for v in scheme.veto}:
        raise AssessmentError(_("Unknown veto item %(item)s.", item=item))
    reason = (reason or "").strip()[:4000]
    row = db.session.scalar(select(VetoFinding).where(
        VetoFinding.scheme_key == scheme.key, VetoFinding.year == year,
        VetoFinding.organisation_id == org.id, VetoFinding.item == item))
    if not failed:
        if row is not None:
            record("assessment.veto_withdrawn", "organisation", org.id, user, scheme=scheme.key,
                   year=year, item=item, before=row.reason, reason=reason)
            db.session.delete(row)
        return None
    if not reason:
        raise AssessmentError(_("A failed veto item needs a reason."))
    if row is None:
        row = VetoFinding(scheme_key=scheme.key, year=year, organisation_id=org.id, item=item)
        db.session.add(row)
    row.reason = reason
    row.entered_by_id = getattr(user, "id", None)
    row.entered_at = datetime.now(UTC)
    record("assessment.veto_set", "organisation", org.id, user, scheme=scheme.key, year=year,
           item=item, reason=reason)
    return row


def sniff_type(data: bytes) -> str | None:
    """The evidence type of ``data`` by its content (pdf, png, jpg, xlsx), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
    return None


def check_evidence(data: bytes, max_bytes: int) -> str:
    """The checks every evidence upload passes (assessment inputs, appeals): not empty, at most
    ``max_bytes``, a PDF, PNG, JPEG or XLSX by its content. Returns the type."""
    if not data:
        raise AssessmentError(_("The file is empty."))
    if len(data) > max_bytes:
        raise AssessmentError(_("The file is larger than %(n)d KB.", n=max_bytes // 1024))
    kind = sniff_type(data)
    if kind is None:
        raise AssessmentError(_("Only PDF, PNG, JPEG and XLSX files are accepted."))
    return kind


def clean_name(name: str) -> str:
    """A file name safe to store and show: the last path part, printable, at most 200."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "evidence"


def save_evidence(scheme: Scheme, year: int, org: Organisation, filename: str, data: bytes,
                  *, folder: str, max_bytes: int, indicator: str = "",
                  user: Any = None) -> EvidenceFile:
    """Store an attachment under ``folder`` with a random name, after checking it."""
    _require_entry(user, org)
    if indicator and indicator not in {i.key for i in scheme.indicators} | {
            o.key for o in scheme.objectives} | {v.key for v in scheme.veto}:
        raise AssessmentError(_("Unknown indicator %(key)s.", key=indicator))
    kind = check_evidence(data, max_bytes)
    stored = f"{secrets.token_hex(16)}.{kind}"
    os.makedirs(os.path.join(folder, "assessment"), exist_ok=True)
    path = os.path.join(folder, "assessment", stored)
    with open(path, "xb") as fh:
        fh.write(data)
    row = EvidenceFile(scheme_key=scheme.key, year=year, organisation_id=org.id,
                       indicator=indicator, original_name=clean_name(filename),
                       stored_name=stored, content_type=EVIDENCE_TYPES[kind], size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(),
                       uploaded_by_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    record("assessment.evidence_added", "organisation", org.id, user, scheme=scheme.key,
           year=year, evidence_id=row.id, name=row.original_name, size=row.size,
           sha256=row.sha256, indicator=indicator)
    return row


def evidence_path(folder: str, evidence: EvidenceFile) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg|xlsx)", evidence.stored_name):
        raise AssessmentError("bad stored name")
    return os.path.join(folder, "assessment", evidence.stored_name)


def delete_evidence(evidence: EvidenceFile, *, folder: str, user: Any = None) -> None:
    _require_entry(user, evidence.organisation)
    path = evidence_path(folder, evidence)
    record("assessment.evidence_deleted", "organisation", evidence.organisation_id, user,
           scheme=evidence.scheme_key, year=evidence.year, evidence_id=evidence.id,
           name=evidence.original_name, sha256=evidence.sha256)
    db.session.delete(evidence)
    if os.path.exists(path):
        os.remove(path)


# --- computation ----------------------------------------------------------------------------

def resolve_campaigns(scheme: Scheme, year: int,
                      overrides: Mapping[str, str] | None = None) -> dict[str, Campaign | None]:
    """The campaign of each scheme slot for ``year``.

    A choice (slot → campaign code, as given on the results page or with ``--campaign``)
    wins; an empty code means "no campaign" for that slot. Otherwise the slot takes the
    campaign of its kind and ``year`` *owned by the assessing union* (the top of the tree),
    preferring published, then closed (never an open one: its figures are not released);
    two equally preferred ones are ambiguous.
    A campaign of a lower union (one union's own survey) is never taken without being chosen:
    it covers only that union's subtree. None: no campaign (its indicators are missing).
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(scheme.campaign_slots)
    if unknown:
        raise AssessmentError(f"unknown campaign slots {sorted(unknown)} "
                              f"(the scheme has {sorted(scheme.campaign_slots)})")
    candidates = campaign_candidates(scheme, year)
    top = {o.id for o in assessing_units()}
    out: dict[str, Campaign | None] = {}
    for slot in scheme.campaigns:
        if slot.key in overrides:
            out[slot.key] = _chosen(slot, year, overrides[slot.key])
            continue
        own = [c for c in candidates[slot.key] if c.owner_id in top]
        own.sort(key=lambda c: (STATUS_PREFERENCE.get(c.status, 9), c.code))
        if len(own) > 1 and STATUS_PREFERENCE.get(own[0].status) == \
                STATUS_PREFERENCE.get(own[1].status):
            raise AssessmentError(
                f"several {slot.kind} campaigns in {year} ({', '.join(c.code for c in own)}):"
                f" choose one with --campaign {slot.key}=CODE")
        out[slot.key] = own[0] if own else None
    return out


def _chosen(slot: Any, year: int, code: str) -> Campaign | None:
    """The campaign chosen for ``slot``: it must exist, be of the slot's kind and not a draft."""
    if not code:
        return None
    camp = db.session.scalar(select(Campaign).where(Campaign.code == code))
    if camp is None:
        raise AssessmentError(f"no campaign with code {code!r}")
    if camp.kind != slot.kind:
        raise AssessmentError(f"{code} is a {camp.kind} campaign; {slot.key} needs {slot.kind}")
    if camp.status == CampaignStatus.DRAFT.value:
        raise AssessmentError(f"{code} is a draft: it has no answers to assess")
    if camp.status == CampaignStatus.OPEN.value:
        raise AssessmentError(f"{code} is still open: its figures are released only once it "
                              "closes")
    if camp.year != year:
        raise AssessmentError(f"{code} is a campaign of {camp.year}, not {year}")
    return camp


def objective_frame(scheme: Scheme, year: int) -> pd.DataFrame:
    rows = db.session.execute(
        select(Organisation.code, ObjectiveValue.indicator, ObjectiveValue.value)
        .join(Organisation, Organisation.id == ObjectiveValue.organisation_id)
        .where(ObjectiveValue.scheme_key == scheme.key, ObjectiveValue.year == year)
    ).all()
    frame = pd.DataFrame(rows, columns=["unit_code", "indicator", "value"])
    if frame.empty:
        return pd.DataFrame(columns=["unit_code"])
    return frame.pivot(index="unit_code", columns="indicator", values="value").reset_index()


def with_computed(scheme: Scheme, year: int, typed: pd.DataFrame, units: list[Organisation]
                  ) -> tuple[pd.DataFrame, dict[str, dict[str, dict[str, Any]]]]:
    """The objective inputs with the scheme's computed indicators filled in from Pingjia's
    records (confirmed partnering activities, verified improvement actions).

    A value typed for a computed indicator is a manual override: it wins, and the returned
    provenance (``{unit code: {key: {"computed": figure, "override": bool}}}``) says so,
    so the unit's page can show both.
    """
    computed = computed_objectives(scheme, year, units)
    if not computed:
        return typed, {}
    frame = typed.set_index("unit_code")
    frame = frame.reindex(frame.index.union(pd.Index([o.code for o in units])))
    frame.index.name = "unit_code"
    provenance: dict[str, dict[str, dict[str, Any]]] = {}
    for key, values in computed.items():
        figure = pd.Series(values, dtype=float).reindex(frame.index)
        entered = (pd.to_numeric(frame[key], errors="coerce") if key in frame.columns
                   else pd.Series(np.nan, index=frame.index))
        frame[key] = entered.where(entered.notna(), figure)
        for code in values:
            provenance.setdefault(code, {})[key] = {
                "computed": _plain(figure.get(code)), "override": bool(pd.notna(entered[code]))}
    return frame.reset_index(), provenance


def veto_frame(scheme: Scheme, year: int) -> pd.DataFrame:
    rows = db.session.execute(
        select(Organisation.code, VetoFinding.item, VetoFinding.reason)
        .join(Organisation, Organisation.id == VetoFinding.organisation_id)
        .where(VetoFinding.scheme_key == scheme.key, VetoFinding.year == year)
    ).all()
    return pd.DataFrame(rows, columns=["unit_code", "item", "reason"])


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        return None if isinstance(v, float) and math.isnan(v) else v
    return v


def _split(v: Any) -> list[str]:
    return [p for p in str(v or "").split(";") if p]



def _campaign_input(camp: Campaign) -> Any:
    """A closed campaign's answers as its reports read them: its result snapshot (frozen at
    close, :mod:`survey_app.reports.snapshots`); a rolling campaign's live rows."""
    from survey_app.release_policy import is_rolling
    from survey_app.reports import snapshots

    if is_rolling(camp):
        return load_campaign(db.engine, camp.code)
    return snapshots.snapshot_data(snapshots.snapshot_for(camp))

def compute(scheme: Scheme, year: int, *, user: Any = None,
            overrides: Mapping[str, str] | None = None) -> AssessmentRun:
    """Compute and store the assessment of ``scheme`` for ``year`` (replacing a previous run).

    Each campaign is read once with :func:`load_campaign` (committed data on
    the app's engine). The assessed units are the targets of the scheme's campaigns and the
    units with entered inputs. Recomputing the same inputs gives the same results digest.

    ``overrides`` chooses campaigns per slot (see :func:`resolve_campaigns`) and is stored with
    the run; None keeps the previous run's choices.
    """
    previous = db.session.scalar(select(AssessmentRun).where(
        AssessmentRun.scheme_key == scheme.key, AssessmentRun.year == year))
    if overrides is None and previous is not None:
        overrides = (previous.provenance or {}).get("selection") or {}
    camps = resolve_campaigns(scheme, year, overrides)
    chosen = set(overrides or {})
    checklist_slots = {i.source.campaign for i in scheme.indicators
                       if i.source.type == "checklist" and i.source.campaign}
    datas: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    target_ids: set[int] = set()
    for slot, camp in camps.items():
        if camp is None:
            datas[slot] = None
            provenance[slot] = None
            continue
        if slot in checklist_slots:
            data = load_checklist_totals(db.engine, camp.code)
            n_responses = int(data["n"].sum())
        else:
            data = _campaign_input(camp)
            n_responses = int(len(data.responses))
        datas[slot] = data
        provenance[slot] = {
            "code": camp.code, "name": camp.name, "status": camp.status,
            "responses": n_responses, "chosen": slot in chosen,
            "owner": camp.owner.code if camp.owner is not None else "",
            "owner_name": camp.owner.name if camp.owner is not None else ""}
        target_ids |= set(db.session.scalars(
            select(CampaignTarget.organisation_id).where(CampaignTarget.campaign_id == camp.id)))
    figures = campaign_figures(scheme, datas)
    objective = objective_frame(scheme, year)
    vetoes = veto_frame(scheme, year)
    codes = set(figures.index) | set(objective["unit_code"]) | set(vetoes["unit_code"])
    orgs = db.session.scalars(select(Organisation)).all()
    by_id = {o.id: o for o in orgs}
    units = [o for o in orgs if o.id in target_ids or o.code in codes]
    inputs = pd.DataFrame({
        "unit_code": [o.code for o in units],
        "unit_name": [o.name for o in units],
        "parent_code": [by_id[o.parent_id].code if o.parent_id in by_id else "" for o in units],
        "kind": [o.kind for o in units],
    })
    inputs = inputs.join(figures, on="unit_code") if len(figures.columns) else inputs
    objective, computed = with_computed(scheme, year, objective, units)
    results = assess(scheme, inputs, objective, vetoes)

    digest_src = json.dumps({
        "objective": objective.sort_values("unit_code").to_csv(index=False),
        "veto": vetoes.sort_values(["unit_code", "item"]).to_csv(index=False),
        "campaigns": provenance}, sort_keys=True, ensure_ascii=False)
    run = previous
    if run is None:
        run = AssessmentRun(scheme_key=scheme.key, year=year)
        db.session.add(run)
    else:
        db.session.execute(delete(AssessmentResult).where(AssessmentResult.run_id == run.id))
    run.scheme_version = scheme.version
    run.scheme_hash = scheme.content_hash
    run.computed_at = datetime.now(UTC)
    run.computed_by_id = getattr(user, "id", None)
    run.published_at = None  # changed results must be published again
    run.provenance = {"campaigns": provenance, "selection": dict(overrides or {}),
                      "inputs_digest": hashlib.sha256(digest_src.encode()).hexdigest()}
    run.results_digest = result_digest(results)
    run.unit_count = int(len(results))
    db.session.flush()
    org_id = {o.code: o.id for o in units}
    ind_keys = [i.key for i in scheme.indicators]
    rows = []
    for rec in results.to_dict("records"):
        rows.append({
            "run_id": run.id, "organisation_id": org_id[rec["unit_code"]],
            "score": _plain(rec["score"]), "grade": rec["grade"], "rank": _plain(rec["rank"]),
            "peers": int(rec["peers"]), "bottom": bool(rec["bottom"]), "veto": bool(rec["veto"]),
            "veto_reason": rec["veto_reason"], "status": rec["status"],
            "honours": rec["honours_eligible"], "flags": rec["flags"],
            "details": {
                "values": {k: _plain(rec[VALUE + k]) for k in ind_keys},
                "points": {k: _plain(rec[POINTS + k]) for k in ind_keys},
                "base_score": _plain(rec["base_score"]), "bonus": _plain(rec["bonus"]),
                "available_max": _plain(rec["available_max"]),
                "missing": _split(rec["missing"]),
                "mandatory_failed": _split(rec["mandatory_failed"]),
                "computed": computed.get(rec["unit_code"], {}),
            },
        })
    if rows:
        db.session.execute(insert(AssessmentResult), rows)
    record("assessment.computed", "assessment_run", run.id, user, scheme=scheme.key,
           scheme_hash=scheme.content_hash, year=year, units=len(rows),
           campaigns=provenance, results_digest=run.results_digest)
    return run


def publish(run: AssessmentRun, user: Any = None) -> None:
    """Publish a computed run: units' own admins may then see their results."""
    if run.published_at is None:
        run.published_at = datetime.now(UTC)
        record("assessment.published", "assessment_run", run.id, user, scheme=run.scheme_key,
               year=run.year, results_digest=run.results_digest)


class InputsImportFailed(AssessmentError, ProblemList):
    """A file of inputs with problems; ``problems`` lists them all (``row N: ...``)."""

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def _read_table(data: bytes, filename: str) -> list[list[str]]:
    try:
        return read_table(data, filename)
    except SpreadsheetError as error:
        raise InputsImportFailed([spreadsheet_message(error)]) from None


def import_inputs(scheme: Scheme, year: int, data: bytes, filename: str,
                  user: Any = None) -> int:
    """Enter many inputs from a CSV (UTF-8 or GBK) or XLSX file; all or nothing.

    Columns ``unit_code, indicator, value, note``. ``indicator`` is an objective indicator
    key (an empty value clears it) or ``veto:<item>`` (value 1 = failed, ``note`` the reason;
    0 = withdrawn). Each row goes through :func:`set_objective` / :func:`set_veto` (checks,
    authorisation, audit); any problem rolls the whole file back. Returns the rows applied.
    """
    table = _read_table(data, filename)
    if not table:
        raise InputsImportFailed([_("The file is empty.")])
    header = [str(h or "").strip().lower().lstrip("\ufeff") for h in table[0]]
    missing = [c for c in ("unit_code", "indicator", "value") if c not in header]
    if missing:
        raise InputsImportFailed(
            [_("Row 1: missing columns %(columns)s.", columns=", ".join(missing))])
    col = {h: i for i, h in enumerate(header)}
    orgs = {o.code: o for o in db.session.scalars(select(Organisation))}
    problems: list[str] = []
    applied = 0
    nested = db.session.begin_nested()
    for n, raw in enumerate(table[1:], start=2):
        cells = [("" if v is None else str(v)).strip() for v in raw] + [""] * len(header)
        if not any(cells):
            continue
        code, key, value = (cells[col["unit_code"]], cells[col["indicator"]],
                            cells[col["value"]])
        note = cells[col["note"]] if "note" in col else ""
        org = orgs.get(code)
        if org is None:
            problems.append(_("Row %(n)d: unknown unit %(code)s.", n=n, code=code))
            continue
        try:
            number = None if value == "" else float(value)
        except ValueError:
            problems.append(_("Row %(n)d: %(value)s is not a number.", n=n, value=value))
            continue
        try:
            if key.startswith("veto:"):
                if number not in (0.0, 1.0):
                    raise AssessmentError(_("A veto value is 1 (failed) or 0 (withdrawn)."))
                set_veto(scheme, year, org, key[5:], number == 1.0, note, user)
            else:
                set_objective(scheme, year, org, key, number, note, user)
            applied += 1
        except DomainError as exc:
            problems.append(_("Row %(n)d: %(problem)s", n=n, problem=exc))
    if problems:
        nested.rollback()
        raise InputsImportFailed(problems)
    nested.commit()
    return applied
