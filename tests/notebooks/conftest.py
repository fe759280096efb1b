"""The notebooks' tests reuse the reports tests' demo database (one per module)."""

from tests.reports.conftest import demo_app, demo_url  # noqa: F401
