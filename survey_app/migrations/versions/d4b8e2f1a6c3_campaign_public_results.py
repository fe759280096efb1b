"""campaigns.public_results: publish the targets' results on the public notice page (公示)

Revision ID: d4b8e2f1a6c3
Revises: c0a1e7d2b9f4
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4b8e2f1a6c3'
down_revision = 'c0a1e7d2b9f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_results', sa.Boolean(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('public_results')
