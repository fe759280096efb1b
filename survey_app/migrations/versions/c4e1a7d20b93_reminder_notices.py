"""Reminder notices to rater units

Revision ID: c4e1a7d20b93
Revises: c3f1a2b7d9e4
Create Date: 2026-12-02 06:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c4e1a7d20b93"
down_revision = "c3f1a2b7d9e4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notices") as batch_op:
        batch_op.create_index("ix_notices_campaign_id", ["campaign_id"])
        batch_op.create_index("ix_notices_organisation_id", ["organisation_id"])


def downgrade():
    with op.batch_alter_table("notices") as batch_op:
        batch_op.drop_index("ix_notices_organisation_id")
        batch_op.drop_index("ix_notices_campaign_id")
    op.drop_table("notices")
