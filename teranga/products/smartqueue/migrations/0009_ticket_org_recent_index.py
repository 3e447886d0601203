"""The staff's ticket list (an organisation's tickets, newest first) reads the index in
its order instead of sorting the organisation's whole history for each page. Built
concurrently on PostgreSQL: the tickets table grows by the day."""

from django.db import migrations, models

from teranga.core.migration_operations import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("smartqueue", "0008_encrypt_ticket_phone_rows"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                fields=["organization", "-day", "-created_at", "-id"],
                name="sq_ticket_org_recent_idx",
            ),
        ),
        # Its first column and the day serve every query the old one did.
        RemoveIndexConcurrently(model_name="ticket", name="sq_ticket_org_day_idx"),
    ]
