"""Dynamic management of honours: the federation's thresholds per year, the reason for a
warning or withdrawal, and the assessment an honour was recommended by; 建家 projects with
their dated tasks, and the project an improvement action serves.

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
    op.create_table(
        "home_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("goal_item", sa.String(length=20), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("home_projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_projects_organisation_id"), ["organisation_id"],
                              unique=False)
    op.create_table(
        "home_project_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["home_projects.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("home_project_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_project_tasks_project_id"), ["project_id"],
                              unique=False)
    with op.batch_alter_table("improvement_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_improvement_actions_project_id"), ["project_id"],
                              unique=False)
        batch_op.create_foreign_key("fk_improvement_actions_project_id", "home_projects",
                                    ["project_id"], ["id"])


def downgrade():
    with op.batch_alter_table("improvement_actions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_improvement_actions_project_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_improvement_actions_project_id"))
        batch_op.drop_column("project_id")
    with op.batch_alter_table("home_project_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_project_tasks_project_id"))
    op.drop_table("home_project_tasks")
    with op.batch_alter_table("home_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_projects_organisation_id"))
    op.drop_table("home_projects")
    with op.batch_alter_table("honours", schema=None) as batch_op:
        batch_op.drop_constraint("fk_honours_assessment_run_id", type_="foreignkey")
        batch_op.drop_column("assessment_run_id")
        batch_op.drop_column("status_note")
    with op.batch_alter_table("honour_review_thresholds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_honour_review_thresholds_upper_id"))
    op.drop_table("honour_review_thresholds")
