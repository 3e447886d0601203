"""The password hasher: Argon2id with OWASP's recommended parameters.

Django's own defaults (64 MiB… 100 MiB of memory, parallelism 8) take about a second
per login on a two-core server and let a burst of logins exhaust its memory. OWASP's
first recommended setting for Argon2id, 19 MiB of memory, 2 iterations and one lane,
costs tens of milliseconds here and keeps a guess as expensive for an attacker's GPU.
A hash made with other parameters (or with PBKDF2 before) is upgraded at the next
successful login (``must_update``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
