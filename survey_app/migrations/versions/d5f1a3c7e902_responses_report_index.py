"""responses: a covering index for the report's read of a campaign (SQLite only)

Revision ID: d5f1a3c7e902
Revises: c8e2f4a61d37
Create Date: 2026-12-02 16:00:00.000000

On SQLite a campaign's responses were read through ``ix_responses_campaign_id`` and one
look-up per response in the primary key's tree (random UUIDs, so random pages). This index
holds every column the report reads, so the read is one ordered scan of it. PostgreSQL
reads a campaign by ``COPY`` and does not get it.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd5f1a3c7e902'
down_revision = 'c8e2f4a61d37'
branch_labels = None
depends_on = None

_COLUMNS = ["campaign_id", "target_id", "rater_group_id", "questionnaire_version_id",
            "submitted_on", "item_values"]


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_responses_campaign_report", "responses", _COLUMNS, unique=False)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_responses_campaign_report", table_name="responses")
