"""One open (created or pending) payment per target at a time.

Before this constraint, two payments for one target could be open together (two
Idempotency-Keys for one reservation). If a database still has such pairs, this
migration stops and names them: settle them first (let them expire, or cancel the
extra ones in the admin), then migrate again.
"""

from django.db import migrations, models
from django.db.models import Count

OPEN = ["created", "pending"]


def refuse_open_duplicates(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    duplicates = list(
        Payment.objects.filter(status__in=OPEN)
        .values("target_type", "target_id")
        .annotate(open_payments=Count("id"))
        .filter(open_payments__gt=1)[:20]
    )
    if duplicates:
        listed = ", ".join(f"{d['target_type']}:{d['target_id']}" for d in duplicates)
        raise RuntimeError(
            "Several open payments for one target; settle the extra ones before "
            f"migrating: {listed}"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0002_plans"),
    ]

    operations = [
        migrations.RunPython(refuse_open_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["created", "pending"])),
                fields=("target_type", "target_id"),
                name="pay_payment_one_open_per_target",
            ),
        ),
    ]
