import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MODULES = [
    "analysis", "analysis.data", "analysis.scoring", "analysis.indices", "analysis.rollup",
    "analysis.composite", "analysis.trends", "analysis.disclosure", "analysis.assessment_input",
    "analysis.synthetic", "analysis.assessment", "analysis.parquet", "analysis.distributed",
    "analysis.disclosure_audit", "analysis.rankings", "analysis.partnering",
]


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return set(out.stdout.split())


def test_importing_analysis_is_light():
    loaded = _loaded_after("import analysis")
    assert "flask" not in loaded and "survey_app" not in loaded
    assert "pandas" not in loaded and "scipy" not in loaded


def test_analysis_modules_never_import_the_web_app_or_a_database_layer():
    loaded = _loaded_after("\n".join(f"import {m}" for m in MODULES))
    forbidden = ("flask", "survey_app", "werkzeug", "sqlalchemy", "psycopg", "sqlite3")
    assert not {m for m in loaded if m.split(".")[0] in forbidden}


def test_analysis_holds_no_sql():
    """The app reads the database; analysis only computes (no SQL, not even in comments)."""
    import re

    pattern = re.compile(r"sqlalchemy|SELECT|COPY")
    hits = [f"{path.relative_to(ROOT)}:{n}"
            for path in sorted((ROOT / "analysis").rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert hits == []
