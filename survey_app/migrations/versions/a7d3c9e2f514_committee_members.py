"""Committee members (工会委员) of a union, for the yearly 述职评议.

Revision ID: a7d3c9e2f514
Revises: a7d3c9e5f180
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d3c9e2f514"
down_revision = "a7d3c9e5f180"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "committee_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "name"),
    )
    op.create_index("ix_committee_members_organisation_id", "committee_members",
                    ["organisation_id"])
    op.create_index("ix_committee_members_user_id", "committee_members", ["user_id"])


def downgrade():
    op.drop_index("ix_committee_members_user_id", table_name="committee_members")
    op.drop_index("ix_committee_members_organisation_id", table_name="committee_members")
    op.drop_table("committee_members")
