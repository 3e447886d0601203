"""Unguessable codes that people read aloud, type or scan: queue ticket codes, event
tickets, reservation and check-in codes, verification codes.

Each character is drawn on its own with :mod:`secrets` (a CSPRNG), so every code of the
given length and alphabet is equally likely. The default alphabet has no look-alikes
(no 0/O, no 1/I): a code is read aloud at a counter and typed back by SMS.
"""

from __future__ import annotations

import secrets

#: 32 characters: upper-case letters and digits without 0/O and 1/I.
UNAMBIGUOUS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: For codes typed on a phone's number pad.
DIGITS = "0123456789"


def random_code(*, length: int, alphabet: str = UNAMBIGUOUS_ALPHABET) -> str:
    """A code of ``length`` characters drawn uniformly from ``alphabet`` with
    :mod:`secrets`. The caller owns the length (and any prefix); a stored code keeps the
    length and alphabet it was made with."""
    if length < 1:
        raise ValueError("a code has at least one character")
    if len(alphabet) < 2 or len(set(alphabet)) != len(alphabet):
        raise ValueError("the alphabet needs at least two distinct characters, each once")
    return "".join(secrets.choice(alphabet) for _ in range(length))
