"""Dynamic management of honours: the federation's thresholds per year, the reason for a
warning or withdrawal, and the assessment an honour was recommended by.

Revision ID: a7d3c9e5f180
Revises: f2a6c8e1d053
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d3c9e5f180"
down_revision = "f2a6c8e1d053"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "honour_review_thresholds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upper_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scheme_key", sa.String(length=40), nullable=False),
        sa.Column("min_satisfaction", sa.Float(), nullable=True),
        sa.Column("min_participation", sa.Float(), nullable=True),
        sa.Column("min_score", sa.Float(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["upper_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("upper_id", "year"),
    )
    with op.batch_alter_table("honour_review_thresholds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_honour_review_thresholds_upper_id"), ["upper_id"],
                              unique=False)
    with op.batch_alter_table("honours", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_note", sa.Text(), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("assessment_run_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_honours_assessment_run_id", "assessment_runs",
                                    ["assessment_run_id"], ["id"])


def downgrade():
    with op.batch_alter_table("honours", schema=None) as batch_op:
        batch_op.drop_constraint("fk_honours_assessment_run_id", type_="foreignkey")
        batch_op.drop_column("assessment_run_id")
        batch_op.drop_column("status_note")
    with op.batch_alter_table("honour_review_thresholds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_honour_review_thresholds_upper_id"))
    op.drop_table("honour_review_thresholds")
