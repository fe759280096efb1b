"""The ingest benchmark's floor: the smallest Flask app that stores one posted row.

    gunicorn -c gunicorn.conf.py "benchmarks.floor_app:create_app()"

``POST /floor`` inserts the posted form, as one JSON text, into ``bench_floor`` in one
transaction and answers ``302`` to ``/done``, like a member's submission and its thank-you
redirect. No session, form token, template, validation or rate limit: what is left is
gunicorn, Flask's request handling, the form parser, the connection pool and one committed
insert. The ingest benchmark serves it from the same gunicorn settings in the same run and
reports Pingjia's throughput as a share of this one.
"""

from __future__ import annotations

import json
import os

from flask import Flask, redirect, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, insert

metadata = MetaData()
floor_rows = Table("bench_floor", metadata,
                   Column("id", Integer, primary_key=True),
                   Column("answers", Text, nullable=False))


def create_app() -> Flask:
    app = Flask(__name__)
    threads = int(os.environ.get("GUNICORN_THREADS", 4))
    # created in gunicorn's master (preload) but connected only by the forked workers
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=threads, max_overflow=threads)

    @app.post("/floor")
    def store():
        with engine.begin() as conn:
            conn.execute(insert(floor_rows), {"answers": json.dumps(
                request.form.to_dict(flat=False), ensure_ascii=False)})
        return redirect("/done")

    @app.get("/done")
    def done():
        return "ok"

    return app
