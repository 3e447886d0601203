"""Index operations for migrations on tables that grow large: on PostgreSQL they build or
drop the index ``CONCURRENTLY`` (no lock on writes while it builds, as the README's
rolling-deploy rule asks), anywhere else as usual. Django's own concurrent operations
exist for PostgreSQL only; this lets one migration serve both databases. A migration
using them sets ``atomic = False`` (PostgreSQL refuses a concurrent build in a
transaction)."""

from django.contrib.postgres import operations as postgres
from django.db import migrations


def _concurrent(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrent(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrent(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


class RemoveIndexConcurrently(postgres.RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrent(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrent(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )
