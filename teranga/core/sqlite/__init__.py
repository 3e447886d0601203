"""SQLite, with connections reused within a process (``base.DatabaseWrapper``)."""
