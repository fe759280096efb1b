from tests.surveys.conftest import campaign, codes  # noqa: F401  (shared fixtures)
