"""PostgreSQL only: a client never holds two overlapping bookings.

An exclusion constraint over ``tstzrange(starts_at, ends_at)`` (btree_gist gives the
``=`` on the client's UUID) backs up the row locks of ``services.booking_create``. It
covers the statuses that occupy time; expired holds are marked ``expired`` before a new
booking is inserted. SQLite has no such constraint: there, IMMEDIATE transactions
serialise every booking write.
"""

from django.db import migrations

CONSTRAINT_SQL = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_booking ADD CONSTRAINT sched_booking_client_no_overlap
    EXCLUDE USING gist (client_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (client_id IS NOT NULL
           AND status IN ('pending', 'confirmed', 'completed', 'no_show'));
"""

DROP_SQL = "ALTER TABLE scheduling_booking DROP CONSTRAINT IF EXISTS sched_booking_client_no_overlap;"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT_SQL)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
