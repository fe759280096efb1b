"""What the command groups share: the account named by ``--user``, and progress bars."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from survey_app.models import User

T = TypeVar("T")

#: ``PINGJIA_PROGRESS=1`` shows progress bars even when stderr is not a terminal (a log
#: file, CI); ``0`` hides them on a terminal too. Unset: shown only on a terminal.
PROGRESS_ENV = "PINGJIA_PROGRESS"


def actor(username: str | None) -> User | None:
    """The account named by a command's ``--user`` option (None without one); a clear
    error when there is no such account."""
    import click
    from sqlalchemy import select

    from survey_app.extensions import db
    from survey_app.models import User

    if username is None:
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no account named {username!r}")
    return user


def progress_wanted() -> bool:
    """Whether long jobs draw progress bars: asked for by ``PINGJIA_PROGRESS``, or else
    when stderr is a terminal (so scripts, cron mails and pipes stay quiet)."""
    asked = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if asked in {"1", "true", "yes", "on", "always"}:
        return True
    if asked in {"0", "false", "no", "off", "never"}:
        return False
    return sys.stderr.isatty()


def progress(items: Iterable[T] | None = None, *, desc: str, unit: str = "个",
             total: int | None = None, **options: Any) -> Any:
    """A progress bar (tqdm) on stderr over ``items``, or one updated by hand with
    ``total``; drawn only when :func:`progress_wanted`. Output on stdout is never touched,
    so a command's printed result (codes, a file name) stays clean for a pipe."""
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, total=total, file=sys.stderr,
                disable=not progress_wanted(), dynamic_ncols=True, **options)


def run_steps(steps: Sequence[tuple[str, Callable[[], T]]], *, desc: str) -> list[T]:
    """Run a job made of a few named steps, the bar advancing as each one ends and
    naming the step under way; returns the steps' results in order."""
    results: list[T] = []
    with progress(total=len(steps), desc=desc, unit="步") as bar:
        for label, step in steps:
            bar.set_postfix_str(label, refresh=True)
            results.append(step())
            bar.update()
    return results


def chunked(count: int, size: int) -> Iterator[int]:
    """``count`` split into blocks of at most ``size`` (for bars over large batches)."""
    while count > 0:
        yield min(size, count)
        count -= size
