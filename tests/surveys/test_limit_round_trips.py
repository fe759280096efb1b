"""The rate limits on the member's path cost a fixed, small number of Redis round trips:
counted, not timed (the time is in benchmarks/member_path.py and docs/performance.md)."""

import socket
import uuid

import pytest

from survey_app import create_app
from survey_app.config import TestConfig
from tests.conftest import csrf_token_from
from tests.surveys.conftest import VALID


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_member_submission_makes_three_redis_round_trips(database_url, demo, codes,
                                                          monkeypatch):
    import redis

    config = TestConfig(database_url)
    config.RATELIMIT_ENABLED = True
    config.RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/15"
    config.RATELIMIT_KEY_PREFIX = f"pingjia-test-{uuid.uuid4().hex}"
    app = create_app(config)
    commands: list[str] = []
    original = redis.Redis.execute_command

    def counted(self, *args, **options):
        commands.append(str(args[0]).upper())
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    client = app.test_client()
    page = client.get(f"/s/{codes[0]}")
    assert page.status_code == 200
    on_get = list(commands)
    token = csrf_token_from(page.get_data(as_text=True))
    done = client.post(f"/s/{codes[0]}", data={"csrf_token": token, "action": "submit", **VALID})
    assert done.status_code == 302 and done.headers["Location"] == "/thanks"
    on_post = commands[len(on_get):]
    # the form: the look-up counted per address and the platform's invalid-code ceiling
    # read, by one script; the submission: the same and the per-campaign count. No window
    # read back for response headers.
    assert len(on_get) == 1 and len(on_post) == 2, (on_get, on_post)
    assert "TTL" not in commands
    assert "X-RateLimit-Limit" not in page.headers
