"""Speed and memory benchmarks, run on purpose (``make bench``), never as timed unit tests.

* :mod:`benchmarks.generate`: a seeded synthetic federation and campaigns, written straight
  into the app's tables (COPY on PostgreSQL, executemany in one transaction on SQLite).
* :mod:`benchmarks.analysis`: the full campaign report of N responses, against the
  database's own fastest read of the same rows.
* :mod:`benchmarks.ingest`: the member path under gunicorn with concurrent clients.
* :mod:`benchmarks.run`: the standard set; results go to ``benchmarks/results/``.
"""
