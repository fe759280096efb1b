"""gunicorn settings for Pingjia (``gunicorn -c gunicorn.conf.py``).

The app is CPU-bound Python (forms, templates, validation) with short database waits
(one commit per submission), so each worker process runs a few threads (``gthread``):
the threads overlap the database waits, the processes use the cores. The defaults suit a
2-core machine; override with the environment:

``GUNICORN_BIND`` (127.0.0.1:8000), ``WEB_CONCURRENCY`` (worker processes, default
2 x cores), ``GUNICORN_THREADS`` (threads per worker, default 4), ``GUNICORN_WORKER_CLASS``
(gthread), ``GUNICORN_ACCESSLOG`` (``-`` = stdout; a path; ``off`` to disable),
``GUNICORN_ERRORLOG`` (``-`` = stderr).

Keep each worker's database pool at least as large as its thread count (Flask-SQLAlchemy's
default pool is 5 + 10 overflow).

The access log is on. Its logger (``survey_app.serving.AccessLogger``) replaces access
codes in paths, referrers and any other logged value with ``[redacted]``, and
``survey_app.security`` filters the ``gunicorn.access`` logger as well, so the log never
holds a code.
"""

import multiprocessing
import os

wsgi_app = "survey_app:create_app()"
# Import the app (Flask, SQLAlchemy, pandas, SciPy, matplotlib for the reports) once in the
# master, then fork: workers start at once and share those pages, instead of each spending
# seconds of CPU importing them while the first members are already waiting.
preload_app = True
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A member may take minutes over a form, but a single request must not hang a worker.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (with jitter, not all at once) to bound memory growth.
max_requests = 20_000
max_requests_jitter = 2_000

# The access log: values redacted at the source (no access code), computed only when the
# format uses them; see survey_app/serving.py.
logger_class = "survey_app.serving.AccessLogger"
_accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
accesslog = None if _accesslog.lower() in {"off", "none", ""} else _accesslog
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Behind a reverse proxy on the same host, trust its X-Forwarded-* headers only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """A forked worker must not reuse database connections opened in the master: drop the
    inherited pool without closing the parent's sockets (SQLAlchemy's guidance for forks)."""
    from survey_app.extensions import db

    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # another app under the same settings (the benchmark's floor)
    with app.app_context():
        db.engine.dispose(close=False)
