"""The one exception of the backups: what an operator reads when a backup or a restore
cannot go on (the commands print it and exit non-zero). Not an ``errors.py``: the backups
answer no API request, so they have no error-code catalogue."""


class BackupError(Exception):
    pass
