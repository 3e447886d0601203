"""The PostgreSQL tools get the connection of settings.DATABASES, the password only in
their environment (PGPASSWORD), never on their command line (visible to every user of
the machine in the process list) nor in an error."""

from __future__ import annotations

import pytest

from teranga.platform.backups.database import _pg_connection
from teranga.platform.backups.exceptions import BackupError

SETTINGS = {
    "NAME": "teranga",
    "USER": "teranga",
    "PASSWORD": "s3cret-pass",
    "HOST": "db.internal",
    "PORT": 5433,
    "OPTIONS": {"sslmode": "require"},
}


def test_the_password_goes_through_the_environment_only():
    args, env = _pg_connection(SETTINGS)
    assert args == ["--no-password", "--username=teranga", "--host=db.internal", "--port=5433"]
    assert not any("s3cret-pass" in arg for arg in args)
    assert env["PGPASSWORD"] == "s3cret-pass"
    assert env["PGSSLMODE"] == "require"


def test_a_database_without_a_name_is_refused():
    with pytest.raises(BackupError, match="names no database"):
        _pg_connection({**SETTINGS, "NAME": ""})
