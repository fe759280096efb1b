"""questionnaire versions: the unit that published them

Revision ID: c3f1a2b7d9e4
Revises: e7f3a9c5d2b1
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1a2b7d9e4'
down_revision = "e7f3a9c5d2b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_questionnaire_versions_owner_id'), ['owner_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_questionnaire_versions_owner_id_organisations',
                                    'organisations', ['owner_id'], ['id'])


def downgrade():
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_questionnaire_versions_owner_id_organisations',
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_questionnaire_versions_owner_id'))
        batch_op.drop_column('owner_id')
