"""Ticket orders become held orders (``teranga.core.holds``): ``expires_at`` is renamed
``hold_expires_at`` (the rows keep their value: a rename, not a copy), the status gains
``expired``, and the due-holds query gets its index. Safe on existing rows: pending
orders past their hold are expired by the next run of ``core.holds_expire``."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("smartqueue", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="ticketorder",
            old_name="expires_at",
            new_name="hold_expires_at",
        ),
        migrations.AlterField(
            model_name="ticketorder",
            name="hold_expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="hold expires at"),
        ),
        migrations.AlterField(
            model_name="ticketorder",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Awaiting payment"),
                    ("fulfilled", "Ticket issued"),
                    ("released", "Not paid"),
                    ("refused", "Refused (refunded)"),
                    ("expired", "Not paid in time"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="ticketorder",
            index=models.Index(fields=["status", "hold_expires_at"], name="sq_order_hold_idx"),
        ),
    ]
