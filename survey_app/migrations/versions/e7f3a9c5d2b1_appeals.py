"""appeals: a unit contests a veto finding, grade or checklist finding (申诉)

Revision ID: e7f3a9c5d2b1
Revises: d4b8e2f1a6c3
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7f3a9c5d2b1'
down_revision = 'd4b8e2f1a6c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_key', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('item', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_name', sa.String(length=255), nullable=True),
    sa.Column('evidence_stored', sa.String(length=80), nullable=True),
    sa.Column('evidence_type', sa.String(length=100), nullable=True),
    sa.Column('evidence_size', sa.Integer(), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evidence_stored')
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_scheme_key'), ['scheme_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_year'))
        batch_op.drop_index(batch_op.f('ix_appeals_scheme_key'))
        batch_op.drop_index(batch_op.f('ix_appeals_organisation_id'))
    op.drop_table('appeals')
