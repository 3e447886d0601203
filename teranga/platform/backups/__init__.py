"""Backups of the database and the media (issue 20): ``manage.py backup`` and
``manage.py restore``, to a folder or to S3, with a retention count, and a periodic job
(``BACKUP_CRON``) that runs the backup in the task workers."""
