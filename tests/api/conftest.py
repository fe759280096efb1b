"""The API tests share the reports tests' full demo (tree, accounts, the published
DEMO-MEMBER-2025 and TEST-DISC with a suppressed unit), built once per module, and make
tokens in it with :func:`make_token`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from tests.reports import conftest as reports_conftest

# the reports tests' module-scoped demo, shared as fixtures of this package
demo_url = reports_conftest.demo_url
demo_app = reports_conftest.demo_app


def make_token(code: str, *scopes: str, days: int = 30, expired: bool = False,
               revoked: bool = False, platform_admin: bool = False, user=None) -> str:
    """A token for unit ``code`` (inside an app context), made by ``user`` (None: the
    command line); returns its secret."""
    from survey_app.api.operations import create_token
    from survey_app.models import Organisation

    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    row, secret = create_token(org, scopes, name="test", days=days, user=user,
                               platform_admin=platform_admin)
    if expired:
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    if revoked:
        row.revoked_at = datetime.now(UTC)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module")
def tokens(demo_app):
    """Secrets: city-wide read of everything, district read, and narrow ones."""
    from survey_app.models.api import API_RESOURCES

    reads = [f"{r}:read" for r in API_RESOURCES]
    with demo_app.app_context():
        return {
            "city": make_token("DEMO-CITY", *reads),
            "district": make_token("DEMO-D01", *reads),
            "g01": make_token("DEMO-G01", *reads),
            "orgs_only": make_token("DEMO-CITY", "organisations:read"),
        }


@pytest.fixture
def api(demo_app):
    return demo_app.test_client()
