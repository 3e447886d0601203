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
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}  # noqa: F405
