import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MODULES = [
    "analysis", "analysis.data", "analysis.scoring", "analysis.indices", "analysis.rollup",
    "analysis.composite", "analysis.trends", "analysis.disclosure", "analysis.assessment_input",
    "analysis._synthetic", "analysis.parquet", "analysis.distributed",
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


def test_analysis_modules_never_import_the_web_app():
    loaded = _loaded_after("\n".join(f"import {m}" for m in MODULES))
    assert not {m for m in loaded if m.split(".")[0] in ("flask", "survey_app", "werkzeug")}
