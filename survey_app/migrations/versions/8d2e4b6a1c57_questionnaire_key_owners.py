"""questionnaire key owners

Each questionnaire key is owned by a union (its admins and those above publish new
versions) or by the platform (owner_id NULL: the library's keys). Existing keys: the
library's go to the platform; any other key goes to the unit of the account that published
its first version (from the audit log), or to the platform when that is not known.

Revision ID: 8d2e4b6a1c57
Revises: 3f1c9a7e2b40
Create Date: 2026-12-02 06:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '8d2e4b6a1c57'
down_revision = '3f1c9a7e2b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire_keys',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['organisations.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('questionnaire_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_keys_owner_id'), ['owner_id'],
                              unique=False)

    from questionnaires import library

    library_keys = set(library())
    bind = op.get_bind()
    first = bind.execute(sa.text(
        "SELECT key, MIN(published_at) AS at FROM questionnaire_versions GROUP BY key")).all()
    publishers = {}
    rows = bind.execute(sa.text(
        "SELECT v.key, u.organisation_id, u.role FROM audit_log a "
        "JOIN questionnaire_versions v ON CAST(v.id AS VARCHAR(64)) = a.object_id "
        "JOIN users u ON u.id = a.user_id "
        "WHERE a.action = 'questionnaire.publish' ORDER BY a.id")).all()
    for key, org_id, role in rows:
        publishers.setdefault(key, org_id if role == "union_admin" else None)
    keys = sa.table('questionnaire_keys', sa.column('key', sa.String),
                    sa.column('owner_id', sa.Integer),
                    sa.column('created_at'))  # MIN() comes back as stored
    for key, at in first:
        owner = None if key in library_keys else publishers.get(key)
        bind.execute(sa.insert(keys).values(key=key, owner_id=owner, created_at=at))


def downgrade():
    with op.batch_alter_table('questionnaire_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_keys_owner_id'))
    op.drop_table('questionnaire_keys')
