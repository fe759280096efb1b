"""The member path's cost in one process: CPU and Redis round trips per submission.

    python -m benchmarks.member_path --db postgresql --members 2000 --json

The ingest benchmark measures throughput under gunicorn, which on a shared machine measures
the neighbours too. This one runs the same member rounds (GET the form, POST the answers,
302 to /thanks) through Flask's test client in one process, with production settings and
rate limits on in Redis, each member from its own address, and reports what does not
depend on the neighbours as much: this process's CPU milliseconds per submission (app,
database driver and Redis client; the database server's and Redis's own work are not
counted) and the Redis commands per submission, counted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from benchmarks.common import database_url, db_kind, emit, loadavg
from benchmarks.ingest import CSRF_RE, form_bodies, member_address, setup_campaign


def run(db: str, members: int = 2000, url: str | None = None,
        redis_url: str = "redis://127.0.0.1:6379/0") -> dict[str, Any]:
    import redis

    from survey_app import create_app
    from survey_app.config import Config

    url = database_url(db, url)
    setup = setup_campaign(url, members + 50)
    bodies = form_bodies(setup["codes"], 5000)
    os.environ.update({"PINGJIA_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
                       "DATABASE_URL": url, "SESSION_COOKIE_SECURE": "0",
                       "RATELIMIT_ENABLED": "1", "RATELIMIT_STORAGE_URI": redis_url,
                       "RATELIMIT_KEY_PREFIX": f"pingjia-bench-{uuid.uuid4().hex[:12]}"})
    app = create_app(Config())
    counts = {"redis": 0}
    original = redis.Redis.execute_command

    def counted(self, *args, **options):
        counts["redis"] += 1
        return original(self, *args, **options)

    redis.Redis.execute_command = counted
    items = list(zip(setup["codes"], bodies, strict=True))

    def member(i: int) -> None:
        (_tid, code), fields = items[i]
        client = app.test_client()
        env = {"REMOTE_ADDR": member_address(i)}
        page = client.get(f"/s/{code}", environ_base=env,
                          headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        token = CSRF_RE.search(page).group(1)
        resp = client.post(f"/s/{code}", data=urlencode([("csrf_token", token), *fields]),
                           content_type="application/x-www-form-urlencoded",
                           environ_base=env, headers={"Accept-Language": "zh-CN"})
        if resp.status_code != 302 or not resp.location.endswith("/thanks"):
            raise RuntimeError(f"member {i}: {resp.status_code}")

    for i in range(50):  # warm-up: caches, prepared statements, the form's shell
        member(i)
    counts["redis"] = 0
    load_before = loadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(50, 50 + members):
        member(i)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    redis.Redis.execute_command = original
    return {
        "benchmark": "member_path",
        "db": db_kind(url),
        "members": members,
        "cpu_ms_per_submission": round(cpu * 1000 / members, 2),
        "wall_ms_per_submission": round(wall * 1000 / members, 2),
        "redis_commands_per_submission": round(counts["redis"] / members, 2),
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="CPU and round trips of the member path.")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    p.add_argument("--url")
    p.add_argument("--members", type=int, default=2000)
    p.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    emit(run(a.db, a.members, a.url, a.redis), a.json, name=f"member-path-{a.db}")


if __name__ == "__main__":
    main()
