"""Test settings: the real settings, with tasks run immediately and fast hashing.

Tasks run in huey's immediate mode (in the caller's thread, after commit). The live-server
tests start the real server with the real settings instead.
"""

from config.settings import *  # noqa: F403
from config.settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMBEDDED_WORKER = False
# Two weeks of demo history instead of months (teranga.core.demo.history_days): the suite
# loads the demo many times, and the history was most of each load.
DEMO_HISTORY_DAYS = 14
PAYMENTS_HTTP_BACKOFF = 0.0  # retries in tests do not sleep
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite"):  # noqa: F405 — teranga.core.sqlite
    # A file, not the shared in-memory database: threaded tests (booking the last slot
    # from many clients at once) then get real separate connections with IMMEDIATE
    # transactions and WAL, as in production, instead of SQLite's shared-cache table locks.
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"teranga-test-{os.getpid()}.sqlite3")
    }

# Every test client builds its own middleware chain, and WhiteNoise would list every
# static file through the finders each time (about 0.1 s per client, most of a login).
# With autorefresh it looks a file up when one is asked for, as under `runserver`.
WHITENOISE_AUTOREFRESH = True

# The example product of docs/adding-a-product.md: one folder plus this one entry, and
# nothing else in config/ or the platform (tests/test_product_contract.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.example_product"]  # noqa: F405

if isinstance(DATABASES["default"].get("OPTIONS", {}).get("pool"), dict):  # noqa: F405
    # The concurrency tests run up to 50 threads that each hold a connection while they
    # wait for the others (a barrier): the pool must hold them all at once.
    DATABASES["default"]["OPTIONS"]["pool"]["max_size"] = 80  # noqa: F405
