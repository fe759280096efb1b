"""The password rule, wherever a password is set (pages and command line).

At least :data:`MIN_LENGTH` characters, and a strength estimate of at least
:data:`MIN_SCORE` by zxcvbn (Dropbox's estimator: common passwords, dictionary words,
keyboard patterns, dates, repeats and the account's own name count for little), which is
what NIST SP 800-63B and OWASP ASVS 2.1 ask for instead of composition rules.
"""

from __future__ import annotations

import threading

from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable", about 10^8 guesses or more
#: zxcvbn reads at most 72 characters; a longer password is judged by its first 72.
_ESTIMATE_LENGTH = 72
#: zxcvbn keeps the user inputs of a call in a module-level dictionary: one call at a time.
_lock = threading.Lock()
#: Words an attacker tries first on this platform, besides the account's own name.
_PLATFORM_WORDS = ("pingjia", "评家", "gonghui", "工会", "union")


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be ``username``'s (in the user's language), or None."""
    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("The password may have at most %(n)d characters.", n=MAX_LENGTH)
    with _lock:
        estimate = zxcvbn(password[:_ESTIMATE_LENGTH],
                          user_inputs=[u for u in (username, *_PLATFORM_WORDS) if u])
    score = estimate["score"]
    if score < MIN_SCORE:
        return _(
            "This password is too easy to guess. Use a longer mix of uncommon words; avoid "
            "common passwords, keyboard patterns, dates and your username."
        )
    return None
