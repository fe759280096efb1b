"""Access codes (参评码): unguessable, easy to read aloud, stored only as a hash."""

from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata

#: No 0/O, 1/I/L: the characters people confuse when reading or typing a code.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: 14 characters of a 31-letter alphabet: 14 * log2(31) = 69.4 bits (at least 64 required).
LENGTH = 14
ENTROPY_BITS = LENGTH * math.log2(len(ALPHABET))
GROUP = 4  # printed as ABCD-EFGH-JKMN-PQ


def new_code() -> str:
    """A fresh random code, from the operating system's CSPRNG."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    """Uppercase, without spaces or dashes: what the member typed, in canonical form."""
    return "".join(ch for ch in text.upper() if ch not in " -_\t")


#: Characters a code never contains because they are read as others: whoever typed one of
#: them misread the slip, and which character was printed cannot be told, so they are refused.
LOOK_ALIKES = frozenset("0O1IL")


class TypedCodeError(ValueError):
    """What is wrong with a typed code: ``reason`` is "empty", "look_alike", "characters"
    or "length"; ``found`` the offending characters or the length typed."""

    def __init__(self, reason: str, found: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.found = found


def read_typed(text: str) -> str:
    """The canonical code from what a member typed, or ``TypedCodeError``.

    Full-width letters and dashes from a Chinese input method, spaces, hyphens and case are
    tolerated. The look-alikes 0, O, 1, I and L are refused with their own reason: the slip
    holds a different character there (D or Q for O, J, T or 7 for 1...), which only the
    member can read again.
    """
    code = normalise(unicodedata.normalize("NFKC", text or "").replace("\u2014", "-")
                     .replace("\u2013", "-").replace("\u2212", "-"))
    if not code:
        raise TypedCodeError("empty")
    look_alikes = "".join(dict.fromkeys(ch for ch in code if ch in LOOK_ALIKES))
    if look_alikes:
        raise TypedCodeError("look_alike", look_alikes)
    others = "".join(dict.fromkeys(ch for ch in code if ch not in ALPHABET))
    if others:
        raise TypedCodeError("characters", others)
    if len(code) != LENGTH:
        raise TypedCodeError("length", str(len(code)))
    return code


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def code_hash(code: str) -> str:
    """The stored form of a code. Codes carry ~69 random bits, so a plain SHA-256 cannot be
    reversed by guessing; no salt is needed, and look-ups stay one indexed equality."""
    return hashlib.sha256(normalise(code).encode("ascii", "replace")).hexdigest()


def display(code: str) -> str:
    """A code in groups of four for printing: ABCD-EFGH-JKMN-PQ."""
    code = normalise(code)
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
