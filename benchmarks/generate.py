"""A deterministic synthetic federation and its campaigns, written into the app's tables.

Everything is drawn from one seed, so the same arguments give the same rows (response ids
included). Rows have exactly the app's shape: ``answers`` is the JSON the app would store
(``json.dumps`` of the cleaned answers, questionnaire field order) and ``item_values`` packs
one signed byte per scored item, as :func:`survey_app.answering.pack_item_values`.

* **Tree**: 5,000 units in 4 levels (federation, 24 district federations and industry
  unions, 900 grassroots unions, 4,075 branch unions), each with eligible members
  (1.5 million in all, log-normal: many small units, a few large ones).
* **Member campaign** ``BENCH-MEMBER-<N>-S<seed>``: N anonymous responses on the 30-item
  member questionnaire, over the 4,975 grassroots and branch units in proportion to
  members x a unit's turnout, never more than its members. Answers come from the latent
  model of :mod:`analysis.synthetic`: unit effect + respondent general factor + correlated
  dimension factors + item noise, cut into the scale's points; "don't know" varies by item
  and respondent; a few answers are missing; a recommendation score, reasons when
  dissatisfied and a few comments. Dates come in bursts (a unit hands out its codes at a
  meeting). Rows are stored in random order with random (seeded) UUID4 ids, as the app stores them.
* **Cross** (``BENCH-CROSS``) and **four-party** (``BENCH-FOUR``) campaigns on the same
  tree: rater groups, assignments and a modest number of named responses (with their
  submissions), plus anonymous member answers for the four-party campaign.

Bulk path: ``COPY ... FROM STDIN`` on PostgreSQL, one ``executemany`` in one transaction on
SQLite. Run ``python -m benchmarks.generate --responses 1000000 --db postgresql``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import synthetic
from analysis.synthetic import (  # noqa: F401 - the answer model, used here and by ingest
    COMMENTS_IMPROVE,
    COMMENTS_KEEP,
    ItemTable,
    allocate,
    answer_matrix,
    federation_tree,
    item_table,
)

SEED = 20261124
ROOT_CODE = "BENCH-ROOT"
N_UNITS = 5000
LEVEL_SIZES = (1, 24, 900, 4075)  # 4 levels, 5,000 units
TOTAL_MEMBERS = 1_500_000
CAMPAIGN_YEAR = 2026
OPENS_ON = date(CAMPAIGN_YEAR, 10, 1)
WINDOW_DAYS = 60
#: Rows written per batch (and JSON built per batch).
CHUNK = 100_000
RESPONSE_COLUMNS = ("id", "campaign_id", "target_id", "rater_group_id",
                    "questionnaire_version_id", "submitted_on", "answers", "item_values")

def member_campaign_code(n: int, seed: int = SEED) -> str:
    return f"BENCH-MEMBER-{n}-S{seed}"


# ---------------------------------------------------------------- the tree


def build_tree(seed: int = SEED, first_id: int = 1,
               level_sizes: tuple[int, ...] | None = None,
               total_members: int | None = None) -> pd.DataFrame:
    """The federation: columns ``id, code, name, kind, parent_id, path, depth, members``.

    :func:`analysis.synthetic.federation_tree` with the benchmark's codes. Ids are
    consecutive from ``first_id`` in level order, so paths can be built before the rows
    exist. Deterministic for a seed.
    """
    return federation_tree(tuple(level_sizes or LEVEL_SIZES), np.random.default_rng([seed, 1]),
                           first_id=first_id, total_members=int(total_members or TOTAL_MEMBERS),
                           code_prefixes=("BENCH-ROOT", "BENCH-D", "BENCH-G", "BENCH-B"),
                           root_name="合成市总工会（基准）")


def unit_effects(n_units: int, seed: int = SEED) -> np.ndarray:
    """A satisfaction effect per unit (position in the tree), the same for every campaign."""
    return synthetic.unit_effects(n_units, np.random.default_rng([seed, 2]))


# ---------------------------------------------------------------- answers


def _fragments(key: str, table: dict[int, str], lo: int) -> np.ndarray:
    """JSON fragments ``, "key": "code"`` indexed by ``value - lo`` (missing: empty)."""
    size = max(table) - lo + 1
    frag = np.full(size, "", dtype=object)
    for value, code in table.items():
        frag[value - lo] = ", " + json.dumps(key) + ": " + json.dumps(code)
    return frag


def answers_json(table: ItemTable, matrix: np.ndarray, extras: list[np.ndarray] | None = None
                 ) -> list[str]:
    """The answers JSON of each row, exactly ``json.dumps`` of the app's cleaned answers.

    ``extras`` are object arrays of ready fragments (``, "recommend": 8``) appended in order.
    Built column by column on object arrays: no Python loop over the items of a row.
    """
    n = matrix.shape[0]
    acc = np.full(n, "", dtype=object)
    for j, item_id in enumerate(table.ids):
        codes = dict(table.codes[j])
        codes[-2] = "na"
        frag = _fragments(item_id, codes, -2)
        frag[1] = ""  # -1: not answered, left out
        acc = acc + frag[matrix[:, j].astype(np.intp) + 2]
    for extra in extras or []:
        acc = acc + extra
    return ["{" + s[2:] + "}" for s in acc]


def member_extras(questionnaire: Any, matrix: np.ndarray, table: ItemTable,
                  rng: np.random.Generator) -> list[np.ndarray]:
    """Fragments of the member questionnaire's unscored fields: reasons when dissatisfied,
    the 0-10 recommendation, and a few comments."""
    n = matrix.shape[0]
    valid = np.where(matrix > 0, matrix, 0).astype(np.float32)
    answered = np.maximum((matrix > 0).sum(axis=1), 1)
    mean = valid.sum(axis=1) / answered  # 1..3
    overall = matrix[:, table.ids.index("overall_sat")] if "overall_sat" in table.ids else None
    out = []
    if overall is not None and questionnaire.field("overall_why") is not None:
        choices = [c.code for c in questionnaire.field("overall_why").question.choices]
        combos = [[choices[0]], [choices[1]], [choices[2], choices[4]], [choices[3]],
                  [choices[0], choices[3]], [choices[1], choices[2], choices[4]], [choices[5]]]
        frags = np.array([', "overall_why": ' + json.dumps(c) for c in combos], dtype=object)
        why = frags[rng.integers(0, len(combos), n)]
        why[overall != 1] = ""
        out.append(why)
    if questionnaire.field("recommend") is not None:
        score = np.clip(np.round(2.2 + 2.7 * mean + rng.normal(0, 1.3, n)), 0, 10).astype(np.intp)
        out.append(np.array([f', "recommend": {i}' for i in range(11)], dtype=object)[score])
    for field_id, pool, share in (("keep_doing", COMMENTS_KEEP, 0.08),
                                  ("improve", COMMENTS_IMPROVE, 0.12)):
        if questionnaire.field(field_id) is None:
            continue
        frags = np.array([f', "{field_id}": ' + json.dumps(t) for t in pool], dtype=object)
        col = frags[rng.integers(0, len(pool), n)]
        col[rng.random(n) >= share] = ""
        out.append(col)
    return out


def uuids(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` random UUID4 strings from ``rng`` (deterministic, unlike ``uuid.uuid4``)."""
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    h = raw.tobytes().hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-"
            f"{h[i + 20:i + 32]}" for i in range(0, 32 * n, 32)]


def burst_dates(targets: np.ndarray, rng: np.random.Generator, n_units: int) -> np.ndarray:
    """Answer dates: most of a unit's answers on its meeting day, the rest spread out."""
    meeting = rng.integers(0, WINDOW_DAYS - 7, n_units + 1)
    day = meeting[targets] + rng.geometric(0.6, len(targets)) - 1
    spread = rng.random(len(targets)) < 0.25
    day[spread] = rng.integers(0, WINDOW_DAYS, int(spread.sum()))
    return np.clip(day, 0, WINDOW_DAYS - 1)


# ---------------------------------------------------------------- database


def make_app(url: str):
    """The app bound to ``url`` (for migrations, publishing and code issuing)."""
    from survey_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "development",
                       "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": False})


def ensure_schema(app) -> None:
    """Run the app's migrations (the production path: ``flask db upgrade``).

    A benchmark database stamped with a revision the code no longer has (the migrations
    were regenerated) holds data of an old layout: it is emptied and rebuilt, but only if
    its name contains ``bench``.
    """
    import logging

    from flask_migrate import upgrade

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        if _stale_revision(app):
            reset_database(app.config["SQLALCHEMY_DATABASE_URI"])
        upgrade()


def _stale_revision(app) -> bool:
    from alembic.script import ScriptDirectory
    from flask import current_app
    from sqlalchemy import inspect, text

    from survey_app.extensions import db

    if "alembic_version" not in inspect(db.engine).get_table_names():
        return False
    with db.engine.connect() as conn:
        stamped = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    config = current_app.extensions["migrate"].migrate.get_config()
    known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
    return bool(stamped - known)


def reset_database(url: str) -> None:
    """Empty a benchmark database (SQLite: delete the file; PostgreSQL: drop the schema)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = u.database or ""
    if "bench" not in name.rsplit("/", 1)[-1]:
        raise RuntimeError(f"refusing to reset {name!r}: not a benchmark database")
    print(f"resetting benchmark database {name} (its schema is out of date)")
    if u.get_backend_name() == "sqlite":
        from survey_app.extensions import db

        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    eng.dispose()


def ensure_tree(app, seed: int = SEED) -> pd.DataFrame:
    """The benchmark federation, inserted once; returns it as read back (real ids)."""
    from sqlalchemy import func, insert, select, text

    from survey_app.extensions import db
    from survey_app.models import Organisation

    with app.app_context():
        if db.session.scalar(select(Organisation.id).where(Organisation.code == ROOT_CODE)) is None:
            first = (db.session.scalar(select(func.max(Organisation.id))) or 0) + 1
            tree = build_tree(seed, first_id=first)
            rows = tree.astype(object).where(tree.notna(), None).to_dict("records")
            # parents first: one executemany per level keeps the foreign keys satisfied
            for lv in sorted(tree["depth"].unique()):
                db.session.execute(insert(Organisation),
                                   [r for r in rows if r["depth"] == lv])
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text(
                    "SELECT setval(pg_get_serial_sequence('organisations', 'id'), "
                    "(SELECT max(id) FROM organisations))"))
            db.session.commit()
        root = db.session.scalar(select(Organisation).where(Organisation.code == ROOT_CODE))
        with db.engine.connect() as conn:
            tree = pd.read_sql(
                text("SELECT id, code, name, kind, parent_id, path, depth, members "
                     "FROM organisations WHERE path LIKE :p ORDER BY id"),
                conn, params={"p": root.path + "%"})
    return tree


def _publish(key: str):
    from questionnaires import library
    from survey_app.extensions import db
    from survey_app.questionnaire_versions import publish_questionnaire

    questionnaire = library()[key]
    version = publish_questionnaire(questionnaire)
    db.session.commit()
    return questionnaire, version


def _campaign(code: str, name: str, kind: str, owner_id: int, groups: list[dict],
              target_ids: list[int], status: str = "open") -> Any:
    from sqlalchemy import insert

    from survey_app.extensions import db
    from survey_app.models import Campaign, CampaignTarget, RaterGroup

    campaign = Campaign(code=code, name=name, kind=kind, cycle="annual", year=CAMPAIGN_YEAR,
                        opens_on=OPENS_ON, closes_on=OPENS_ON + timedelta(days=WINDOW_DAYS - 1),
                        status=status, min_group_size=5, owner_id=owner_id,
                        target_spec={"mode": "list", "benchmark": True})
    for g in groups:
        campaign.rater_groups.append(RaterGroup(**g))
    db.session.add(campaign)
    db.session.flush()
    db.session.execute(insert(CampaignTarget), [
        {"campaign_id": campaign.id, "organisation_id": int(t)} for t in target_ids])
    db.session.commit()
    return campaign


def response_rows(campaign_id: int, group_id: int, version_id: int, targets: np.ndarray,
                  days: np.ndarray, answers: list[str], matrix: np.ndarray,
                  ids: list[str]) -> list[tuple]:
    """Rows in :data:`RESPONSE_COLUMNS` order (``submitted_on`` as ISO text)."""
    day_text = np.array([(OPENS_ON + timedelta(days=int(d))).isoformat()
                         for d in range(WINDOW_DAYS)], dtype=object)[days]
    blobs = [matrix[i].tobytes() for i in range(matrix.shape[0])]
    return list(zip(ids, [campaign_id] * len(ids), targets.tolist(), [group_id] * len(ids),
                    [version_id] * len(ids), day_text.tolist(), answers, blobs, strict=True))


def write_responses(engine, rows: list[tuple]) -> None:
    """Bulk-write response rows: COPY on PostgreSQL, executemany on SQLite (the caller
    decides the transaction on SQLite through ``engine``'s raw connection)."""
    from survey_app.cli.common import progress

    cols = ", ".join(RESPONSE_COLUMNS)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        bar = progress(total=len(rows), desc="写入答卷", unit="份", unit_scale=True)
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY responses ({cols}) FROM STDIN") as copy:
                for start in range(0, len(rows), CHUNK):
                    for r in rows[start:start + CHUNK]:
                        copy.write_row(r)
                    bar.update(len(rows[start:start + CHUNK]))
        else:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-1000000")
            for start in range(0, len(rows), CHUNK):
                cur.executemany(f"INSERT INTO responses ({cols}) VALUES "
                                "(?, ?, ?, ?, ?, ?, ?, ?)", rows[start:start + CHUNK])
                bar.update(len(rows[start:start + CHUNK]))
        bar.close()
        raw.commit()
    finally:
        raw.close()


def ensure_member_campaign(url: str, n: int, seed: int = SEED, *, quiet: bool = False) -> dict:
    """Make sure the database holds ``BENCH-MEMBER-<n>-S<seed>`` with exactly ``n``
    responses (generate it if not); return what was done and how long it took."""
    from sqlalchemy import delete, func, select

    from survey_app.extensions import db
    from survey_app.models import Campaign, CampaignTarget, RaterGroup, Response

    t0 = time.perf_counter()
    app = make_app(url)
    ensure_schema(app)
    tree = ensure_tree(app, seed)
    code = member_campaign_code(n, seed)
    with app.app_context():
        existing = db.session.scalar(select(Campaign).where(Campaign.code == code))
        if existing is not None:
            stored = db.session.scalar(select(func.count()).select_from(Response)
                                       .where(Response.campaign_id == existing.id))
            if stored == n:
                return {"campaign": code, "generated": False, "responses": n}
            # an interrupted generation: start again
            db.session.execute(delete(Response).where(Response.campaign_id == existing.id))
            db.session.execute(delete(CampaignTarget)
                               .where(CampaignTarget.campaign_id == existing.id))
            db.session.execute(delete(RaterGroup).where(RaterGroup.campaign_id == existing.id))
            db.session.execute(delete(Campaign).where(Campaign.id == existing.id))
            db.session.commit()
        ensure_side_campaigns(app, tree, seed)
        questionnaire, version = _publish("member_evaluation")
        targets_mask = tree["depth"].to_numpy() >= 2
        target_ids = tree["id"].to_numpy()[targets_mask]
        campaign = _campaign(code, f"基准会员评家 {n}", "member", int(tree["id"].iloc[0]), [
            {"key": "members", "name": "会员", "weight": 1.0, "questionnaire_version_id":
             version.id, "anonymous": True, "rule": "members"}], target_ids.tolist())
        campaign_id, group_id, version_id = campaign.id, campaign.rater_groups[0].id, version.id
        rows_done = _generate_member(db.engine, questionnaire, tree, n, seed, campaign_id,
                                     group_id, version_id)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE responses")
    took = time.perf_counter() - t0
    if not quiet:
        print(f"generated {code}: {rows_done} responses in {took:.1f} s")
    return {"campaign": code, "generated": True, "responses": rows_done,
            "generate_s": round(took, 2)}


def member_responses(questionnaire: Any, tree: pd.DataFrame, n: int, seed: int = SEED
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[str]]:
    """``(targets, days, matrix, answers_json, ids)`` of the member campaign, in storage
    (random) order. Deterministic for ``(n, seed)``."""
    rng = np.random.default_rng([seed, 3, n])
    table = item_table(questionnaire)
    low = np.flatnonzero(tree["depth"].to_numpy() >= 2)
    counts = allocate(n, tree["members"].to_numpy()[low], rng)
    pos = np.repeat(low, counts)  # position of each respondent's unit in the tree
    order = rng.permutation(n)  # storage order says nothing about units or dates
    pos = pos[order]
    effects = unit_effects(len(tree), seed)
    matrix = answer_matrix(table, effects[pos], rng)
    days = burst_dates(pos, rng, len(tree))
    extras = member_extras(questionnaire, matrix, table, rng)
    answers: list[str] = []
    for start in range(0, n, CHUNK):
        answers += answers_json(table, matrix[start:start + CHUNK],
                                [e[start:start + CHUNK] for e in extras])
    ids = uuids(n, rng)
    targets = tree["id"].to_numpy()[pos]
    return targets, days, matrix, answers, ids


def _generate_member(engine, questionnaire, tree, n, seed, campaign_id, group_id,
                     version_id) -> int:
    targets, days, matrix, answers, ids = member_responses(questionnaire, tree, n, seed)
    rows = response_rows(campaign_id, group_id, version_id, targets, days, answers, matrix, ids)
    write_responses(engine, rows)
    return len(rows)


def ensure_side_campaigns(app, tree: pd.DataFrame, seed: int = SEED) -> None:
    """The cross (上下级互评) and four-party (四方评议) campaigns of the same tree, once."""
    from sqlalchemy import insert, select

    from survey_app.extensions import db
    from survey_app.models import Assignment, Campaign, Submission

    if db.session.scalar(select(Campaign.id).where(Campaign.code == "BENCH-FOUR")):
        return
    rng = np.random.default_rng([seed, 4])
    ids = tree["id"].to_numpy()
    depth = tree["depth"].to_numpy()
    parent = tree["parent_id"].to_numpy(dtype=float, na_value=0).astype(np.int64)
    index_of = {int(i): p for p, i in enumerate(ids)}
    effects = unit_effects(len(tree), seed)
    root = int(ids[0])
    grassroots = ids[depth == 2]
    level1 = ids[depth == 1]

    def named(campaign, key, pairs, questionnaire, version):
        """Assignments (rater org -> target), ~90 % answered: responses + submissions."""
        group = next(g for g in campaign.rater_groups if g.key == key)
        db.session.execute(insert(Assignment), [
            {"campaign_id": campaign.id, "rater_group_id": group.id, "target_id": int(t),
             "rater_org_id": int(r), "source": "rule"} for r, t in pairs])
        got = db.session.execute(select(Assignment.id, Assignment.target_id)
                                 .where(Assignment.rater_group_id == group.id)
                                 .order_by(Assignment.id)).all()
        answered = [a for a in got if rng.random() < 0.9]
        tgt = np.array([t for _a, t in answered], dtype=np.int64)
        _anonymous(campaign.id, group.id, version.id, questionnaire, tgt,
                   response_ids := uuids(len(tgt), rng))
        db.session.execute(insert(Submission), [
            {"assignment_id": a, "revision": 1, "response_id": rid, "current": True}
            for (a, _t), rid in zip(answered, response_ids, strict=True)])

    def _anonymous(campaign_id, group_id, version_id, questionnaire, tgt, rids):
        table = item_table(questionnaire)
        matrix = answer_matrix(table, effects[[index_of[int(t)] for t in tgt]], rng,
                               missing_rate=0.0)
        answers = answers_json(table, matrix)
        days = rng.integers(0, WINDOW_DAYS, len(tgt))
        day = [(OPENS_ON + timedelta(days=int(d))) for d in days]
        from survey_app.models import Response

        db.session.execute(insert(Response), [
            {"id": rid, "campaign_id": campaign_id, "target_id": int(t),
             "rater_group_id": group_id, "questionnaire_version_id": version_id,
             "submitted_on": d, "answers": json.loads(a), "item_values": m.tobytes()}
            for rid, t, d, a, m in zip(rids, tgt, day, answers, matrix, strict=True)])

    # cross: upper units rate their grassroots unions, grassroots unions rate their upper unit
    q_down, v_down = _publish("cross_upper_to_lower")
    q_up, v_up = _publish("cross_lower_to_upper")
    cross = _campaign("BENCH-CROSS", "基准上下级互评", "cross", root, [
        {"key": "upper", "name": "上级评下级", "weight": 0.5, "questionnaire_version_id":
         v_down.id, "anonymous": False, "rule": "upper"},
        {"key": "lower", "name": "下级评上级", "weight": 0.5, "questionnaire_version_id":
         v_up.id, "anonymous": False, "rule": "lower"}],
        np.concatenate([level1, grassroots]).tolist())
    pairs_down = [(parent[index_of[int(g)]], g) for g in grassroots]
    named(cross, "upper", pairs_down, q_down, v_down)
    named(cross, "lower", [(g, p) for p, g in pairs_down], q_up, v_up)

    # four-party: 100 grassroots unions rated by members, the party committee, the upper
    # union and the management
    targets = np.sort(rng.choice(grassroots, min(100, len(grassroots)), replace=False))
    keys = ["four_party_members", "four_party_party", "four_party_upper",
            "four_party_management"]
    pub = {k: _publish(k) for k in keys}
    four = _campaign("BENCH-FOUR", "基准四方评议", "four_party", root, [
        {"key": "members", "name": "会员", "weight": 0.4,
         "questionnaire_version_id": pub[keys[0]][1].id, "anonymous": True, "rule": "members"},
        {"key": "party", "name": "党组织", "weight": 0.2,
         "questionnaire_version_id": pub[keys[1]][1].id, "anonymous": False, "rule": "named"},
        {"key": "upper", "name": "上级工会", "weight": 0.2,
         "questionnaire_version_id": pub[keys[2]][1].id, "anonymous": False, "rule": "upper"},
        {"key": "management", "name": "行政方", "weight": 0.2,
         "questionnaire_version_id": pub[keys[3]][1].id, "anonymous": False, "rule": "named"}],
        targets.tolist())
    members_group = next(g for g in four.rater_groups if g.key == "members")
    member_targets = np.repeat(targets, rng.integers(3, 60, len(targets)))
    _anonymous(four.id, members_group.id, pub[keys[0]][1].id, pub[keys[0]][0],
               member_targets, uuids(len(member_targets), rng))
    for key, qkey in (("party", keys[1]), ("upper", keys[2]), ("management", keys[3])):
        # named raters of party and management act for the target unit itself
        pairs = [((parent[index_of[int(t)]] if key == "upper" else t), t) for t in targets]
        named(four, key, pairs, *pub[qkey])
    db.session.commit()


def main(argv: list[str] | None = None) -> None:
    from benchmarks.common import database_url

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--responses", type=int, default=1_000_000)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--url", help="an explicit SQLAlchemy URL instead of --db")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--reset", action="store_true",
                   help="empty the benchmark database first (its name must contain 'bench')")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    if a.reset:
        reset_database(database_url(a.db, a.url))
    result = ensure_member_campaign(database_url(a.db, a.url), a.responses, a.seed,
                                    quiet=a.json)
    if a.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
