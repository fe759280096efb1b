"""The audit log is a hash chain: any edit or deletion is detected; purges keep it whole."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text, update

from survey_app.extensions import db
from survey_app.models import AuditEntry
from survey_app.models.audit import AuditChainHead, record, verify_chain
from tests.app.test_migrations import empty_database_url  # noqa: F401 - fixture
from tests.conftest import on_postgresql


def _write(app, n: int, start: int = 0, at: datetime | None = None) -> None:
    with app.app_context():
        for i in range(start, start + n):
            entry = record("campaign.update", "campaign", f"C{i}", note=f"entry {i}", n=i)
            if at is not None:
                entry.at = at + timedelta(minutes=i)
        db.session.commit()


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_records_chain_and_verify(app, runner):
    _write(app, 5)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "5 records" in result.output
    with app.app_context():
        seqs = db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        assert seqs == [1, 2, 3, 4, 5]
        assert db.session.get(AuditChainHead, 1).seq == 5


def test_editing_a_records_details_with_raw_sql_is_detected(app, runner):
    _write(app, 5)
    with app.app_context():
        victim = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 3))
        victim_id = victim.id
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET detail = :d WHERE id = :id"),
                         {"d": '{"note": "harmless", "n": 2}', "id": victim_id})
    result = _verify(runner)
    assert result.exit_code != 0
    assert f"record id {victim_id} " in result.output
    assert "changed" in result.output


@pytest.mark.parametrize("column, value", [("action", "campaign.create"), ("at", datetime(2020, 1, 1, tzinfo=UTC)),
                                           ("object_id", "C999")])
def test_editing_any_field_is_detected(app, column, value):
    _write(app, 3)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 2)
                           .values({column: value}))
        db.session.commit()
        check = verify_chain(db.session)
    assert not check.ok and check.bad_seq == 2


def test_deleting_a_middle_record_is_detected(app, runner):
    _write(app, 5)
    with app.app_context():
        ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.seq)).all()
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[2]})
    result = _verify(runner)
    assert result.exit_code != 0
    assert f"record id {ids[3]} " in result.output and "missing" in result.output


def test_deleting_the_newest_record_is_detected(app, runner):
    _write(app, 4)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    result = _verify(runner)
    assert result.exit_code != 0 and "missing" in result.output


def test_a_record_inserted_outside_the_app_is_detected(app):
    _write(app, 2)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO audit_log (seq, at, action, object_type, detail, hash) "
                "VALUES (3, :at, 'user.create', 'user', '{}', :h)"),
                {"at": datetime.now(UTC), "h": "f" * 64})
        assert not verify_chain(db.session).ok


def test_purge_refuses_records_younger_than_180_days(app, runner):
    _write(app, 2)
    too_recent = (date.today() - timedelta(days=100)).isoformat()
    result = runner.invoke(args=["audit", "purge", "--before", too_recent])
    assert result.exit_code != 0 and "180" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 2


def test_purge_keeps_the_chain_verifiable_and_is_audited(app, runner):
    old = datetime.now(UTC) - timedelta(days=400)
    _write(app, 4, at=old)
    _write(app, 3, start=4)
    before = (date.today() - timedelta(days=200)).isoformat()
    result = runner.invoke(args=["audit", "purge", "--before", before])
    assert result.exit_code == 0, result.output
    assert "purged 4" in result.output
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [r.action for r in rows][-1] == "audit.purge"
        assert rows[-1].detail["count"] == 4 and rows[-1].detail["anchor_seq"] == 4
        assert len(rows) == 4
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    # the chain still catches an edit after the purge
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    assert _verify(runner).exit_code != 0


def test_purge_refuses_a_broken_chain(app, runner):
    old = datetime.now(UTC) - timedelta(days=400)
    _write(app, 3, at=old)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET object_id = 'X' WHERE seq = 2"))
    before = (date.today() - timedelta(days=200)).isoformat()
    result = runner.invoke(args=["audit", "purge", "--before", before])
    assert result.exit_code != 0 and "does not verify" in result.output


def test_concurrent_writers_extend_one_chain(app, database_url):
    """Eight threads, each with its own connection, append at once: no gap, no fork."""
    _write(app, 1)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            with app.app_context():
                for i in range(5):
                    record("campaign.update", "campaign", f"T{k}-{i}")
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        check = verify_chain(db.session)
        assert check.ok, check
        assert check.checked == 41
    if on_postgresql():
        engine = create_engine(database_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(DISTINCT seq) FROM audit_log")).scalar() == 41
        engine.dispose()


def test_migration_chains_existing_records(request):
    """Records written before the chain existed are chained by the migration, in id order."""
    from flask_migrate import upgrade

    from survey_app import create_app
    from survey_app.config import TestConfig

    app = create_app(TestConfig(request.getfixturevalue("empty_database_url")))
    with app.app_context():
        upgrade(revision="aacbe895b09d")
        with db.engine.begin() as conn:
            for i in range(3):
                conn.execute(text(
                    "INSERT INTO audit_log (at, action, object_type, object_id, detail) "
                    "VALUES (:at, 'campaign.update', 'campaign', :o, :d)"),
                    {"at": datetime(2026, 1, 1, 8, i, tzinfo=UTC), "o": f"C{i}",
                     "d": f'{{"名": "值", "n": {i}}}'})
        upgrade(revision="3f1c9a7e2b40")
        assert verify_chain(db.session).checked == 3
        assert verify_chain(db.session).ok
        record("campaign.update", "campaign", "C9")
        db.session.commit()
        check = verify_chain(db.session)
        assert check.ok and check.checked == 4
        db.session.remove()
        db.engine.dispose()
