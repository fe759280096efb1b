"""comment reviews: the review state and masked text of free-text comments

Revision ID: c0a1e7d2b9f4
Revises: 8d2e4b6a1c57
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c0a1e7d2b9f4'
down_revision = "8d2e4b6a1c57"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('masked_text', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['target_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'target_id', 'field_id', 'digest')
    )
    with op.batch_alter_table('comment_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_reviews_campaign_id'), ['campaign_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('comment_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_reviews_campaign_id'))
    op.drop_table('comment_reviews')
