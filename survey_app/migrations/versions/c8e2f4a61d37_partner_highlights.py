"""联手兴家 showcase: the highlights a pair publishes once both sides agree

Revision ID: c8e2f4a61d37
Revises: b3e8d1f4a2c6
Create Date: 2026-12-02 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e2f4a61d37'
down_revision = 'b3e8d1f4a2c6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_highlights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('story', sa.Text(), nullable=False),
    sa.Column('photo_activity_ids', sa.JSON(), nullable=False),
    sa.Column('author_side', sa.String(length=16), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['pair_id'], ['partner_pairs.id'], ),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('partner_highlights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_highlights_pair_id'), ['pair_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_highlights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_highlights_pair_id'))

    op.drop_table('partner_highlights')
