"""Raise every campaign's minimum reporting group size to the platform's floor of 5.

Revision ID: f2a6c8e1d053
Revises: 5e1d7c0a9b42
Create Date: 2026-12-02

Campaign owners could set the minimum group size (k) down to 1. The platform's floor is now 5
(``MIN_GROUP_SIZE_FLOOR``, never below 3), and owners may only raise it; campaigns set lower
are raised, so their results are never shown for groups smaller than 5.
"""

import sqlalchemy as sa
from alembic import op

revision = "f2a6c8e1d053"
down_revision = "5e1d7c0a9b42"
branch_labels = None
depends_on = None

FLOOR = 5


def upgrade():
    op.execute(sa.text("UPDATE campaigns SET min_group_size = :floor "
                       "WHERE min_group_size IS NULL OR min_group_size < :floor")
               .bindparams(floor=FLOOR))


def downgrade():
    # The earlier values are not kept: lowering k again would publish smaller groups.
    pass
