"""audit log hash chain

Each audit record gets its place in the chain (seq) and a SHA-256 hash over the previous
record's hash and its own fields; the one-row audit_chain_head holds the chain's end and
anchor. Existing records are chained in id order.

Revision ID: 3f1c9a7e2b40
Revises: 5e1a7c3d9b20
Create Date: 2026-12-02 06:00:00

"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = '3f1c9a7e2b40'
down_revision = "5e1a7c3d9b20"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def _canonical(seq, at, user_id, action, object_type, object_id, detail) -> bytes:
    # the serialisation of survey_app.models.audit.canonical, fixed here as of this revision
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if isinstance(detail, str):
        detail = json.loads(detail)
    fields = {"seq": seq, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "user_id": user_id,
              "action": action, "object_type": object_type, "object_id": object_id,
              "detail": detail or {}}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('anchor_seq', sa.Integer(), nullable=False),
    sa.Column('anchor_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    log = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('seq', sa.Integer),
                   sa.column('at', sa.DateTime(timezone=True)),
                   sa.column('user_id', sa.Integer), sa.column('action', sa.String),
                   sa.column('object_type', sa.String), sa.column('object_id', sa.String),
                   sa.column('detail', sa.JSON), sa.column('hash', sa.String))
    rows = bind.execute(sa.select(log.c.id, log.c.at, log.c.user_id, log.c.action,
                                  log.c.object_type, log.c.object_id, log.c.detail)
                        .order_by(log.c.id)).all()
    previous, seq = GENESIS_HASH, 0
    for row in rows:
        seq += 1
        body = _canonical(seq, row.at, row.user_id, row.action, row.object_type,
                          row.object_id, row.detail)
        previous = hashlib.sha256(previous.encode("ascii") + b"\n" + body).hexdigest()
        bind.execute(sa.update(log).where(log.c.id == row.id).values(seq=seq, hash=previous))
    head = sa.table('audit_chain_head', sa.column('id', sa.Integer),
                    sa.column('seq', sa.Integer), sa.column('hash', sa.String),
                    sa.column('anchor_seq', sa.Integer), sa.column('anchor_hash', sa.String))
    bind.execute(sa.insert(head).values(id=1, seq=seq, hash=previous, anchor_seq=0,
                                        anchor_hash=GENESIS_HASH))

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_seq'), ['seq'])
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))
        batch_op.drop_constraint(batch_op.f('uq_audit_log_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('seq')
    op.drop_table('audit_chain_head')
