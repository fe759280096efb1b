"""anonymous drafts on their access code's row; aggregate counts of refused code look-ups

Revision ID: 5e1d7c0a9b42
Revises: 9d3b5efba579
Create Date: 2026-12-02 06:00:00

An anonymous draft moves from ``drafts`` (keyed by the code's hash, with its own
autoincrement id numbering first saves) onto ``access_codes.draft``, where the statement
that consumes the code clears it. ``drafts`` keeps the named raters' drafts only. A draft
left under a code that is already used is dropped, not moved.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1d7c0a9b42'
down_revision = "9d3b5efba579"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.JSON(none_as_null=True), nullable=True))
    op.execute(
        "UPDATE access_codes SET draft = (SELECT d.answers FROM drafts d"
        " WHERE d.code_hash = access_codes.code_hash)"
        " WHERE used = false AND EXISTS (SELECT 1 FROM drafts d"
        " WHERE d.code_hash = access_codes.code_hash)"
    )
    op.execute("DELETE FROM drafts WHERE code_hash IS NOT NULL")
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        # its unique constraint goes with it
        batch_op.drop_column('code_hash')

    op.create_table('code_lookup_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'campaign_id', 'outcome')
    )


def downgrade():
    op.drop_table('code_lookup_counts')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('drafts_code_hash_key', ['code_hash'])
    op.execute(
        "INSERT INTO drafts (code_hash, answers, updated_on)"
        " SELECT code_hash, draft, issued_on FROM access_codes WHERE draft IS NOT NULL"
    )
    with op.batch_alter_table('access_codes', schema=None) as batch_op:
        batch_op.drop_column('draft')
