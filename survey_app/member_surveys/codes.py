"""Access codes (参评码): unguessable, easy to read aloud, stored only as a hash."""

from __future__ import annotations

import hashlib
import math
import secrets

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
