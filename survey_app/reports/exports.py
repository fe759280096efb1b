"""The bytes of a report export, shared by the pages and ``flask report build``: raw rows
(CSV, SPSS, Parquet) and the aggregate documents (the 台账 workbook, the PDF)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from analysis import exports
from analysis import reports as R
from survey_app.models import Campaign, Organisation
from survey_app.reports import queries as U


def build_export(report, campaign: Campaign, org: Organisation, fmt: str,
                 scope: list[int] | None, level: str | None = None, progress=None,
                 per_unit: bool = False) -> bytes:
    """The bytes of one export (shared by the pages and ``flask report build``)."""
    buf = io.BytesIO()
    if fmt in ("csv", "sav"):
        extra, extra_labels, extra_values = U.unscored_columns(campaign, report)
    if fmt == "csv":
        exports.write_csv(R.tidy_responses(report, scope, extra=extra), buf)
    elif fmt == "sav":
        frame = R.tidy_responses(report, scope, with_labels=False, extra=extra)
        items = report.data.item_columns
        exports.write_sav(
            frame, buf, {**sav_column_labels(report, frame), **extra_labels},
            {**{i: {**report.labels.values.get(i, {}),
                    R.NOT_APPLICABLE_CODE: R.NOT_APPLICABLE_LABEL} for i in items},
             **extra_values},
            user_missing={i: [R.NOT_APPLICABLE_CODE] for i in items})
    elif fmt == "parquet":
        with tempfile.TemporaryDirectory() as folder:
            exports.write_parquet(R.released_data(report, scope), Path(folder) / "campaign")
            buf.write(exports.zip_directory(Path(folder) / "campaign"))
    elif fmt == "xlsx":
        units = R.unit_table(report, org.id, level)
        exports.write_xlsx(R.build_ledger(report, U.campaign_meta(campaign), org.id,
                                          [int(i) for i in units.index], progress=progress),
                           buf)
    elif fmt == "pdf":
        doc = R.build_pdf(report, U.campaign_meta(campaign), org.id,
                          org.id if per_unit else None, progress=progress)
        exports.write_pdf(doc, buf)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return buf.getvalue()


def sav_column_labels(report, frame) -> dict[str, str]:
    labels = {c: R.HEADERS.get(c, c) for c in frame.columns}
    labels.update({i: report.labels.item(i) for i in report.data.item_columns})
    return labels
