"""Index operations for migrations on tables that grow large: on PostgreSQL they build or
drop the index ``CONCURRENTLY`` (no lock on writes while it builds, as the README's
rolling-deploy rule asks), anywhere else as usual. Django's own concurrent operations
exist for PostgreSQL only; this lets one migration serve both databases. A migration
using them sets ``atomic = False`` (PostgreSQL refuses a concurrent build in a
transaction)."""

from django.contrib.postgres import operations as postgres
from django.db import migrations


class _ConcurrentOnPostgres:
    """PostgreSQL: Django's concurrent operation (the class this is mixed into);
    elsewhere: ``plain``, the ordinary one it extends."""

    plain: type[migrations.operations.base.Operation]

    def _run(self, direction: str, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            method = getattr(super(), direction)
        else:
            method = getattr(self.plain, direction).__get__(self)
        return method(app_label, schema_editor, from_state, to_state)

    def database_forwards(self, *args):
        return self._run("database_forwards", *args)

    def database_backwards(self, *args):
        return self._run("database_backwards", *args)


class AddIndexConcurrently(_ConcurrentOnPostgres, postgres.AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexConcurrently(_ConcurrentOnPostgres, postgres.RemoveIndexConcurrently):
    plain = migrations.RemoveIndex
