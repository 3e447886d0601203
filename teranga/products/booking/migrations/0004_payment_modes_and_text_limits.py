"""Payment modes of services (issue 15, defect 12) and the length of a description.

Existing services: a paid one becomes ``online_full``. Until now a paid service was
meant to be paid online (the client held the slot and paid it), and the defect was that
booking it without a hold skipped the payment; ``online_full`` closes that for the
services already published, and a business that takes payment at the counter switches
to ``on_site`` explicitly. A free service becomes ``on_site`` (nothing to pay).

Existing reservations keep their status. One with a price that was paid online, or whose
hold still awaits its payment, is marked ``online_full`` (its amount paid online is its
price), so a pending hold still cannot be confirmed without paying; the others are
``on_site`` with nothing paid online.
"""

import uuid

import django.core.validators
from django.db import migrations, models
from django.db.models import F

PAID = ["succeeded", "partially_refunded", "refunded"]


def settle_existing(apps, schema_editor):
    Service = apps.get_model("booking", "Service")
    Reservation = apps.get_model("booking", "Reservation")
    Payment = apps.get_model("payments", "Payment")
    Service.objects.filter(price_amount=0).update(payment_mode="on_site")
    online = set(
        Reservation.objects.filter(
            price_amount__gt=0, booking__status="pending", booking__hold_expires_at__isnull=False
        ).values_list("pk", flat=True)
    )
    paid = Payment.objects.filter(target_type="booking.reservation", status__in=PAID)
    for target_id in paid.values_list("target_id", flat=True).iterator():
        try:
            online.add(uuid.UUID(str(target_id)))
        except ValueError:
            continue
    ids = sorted(online)
    for start in range(0, len(ids), 500):
        Reservation.objects.filter(pk__in=ids[start : start + 500], price_amount__gt=0).update(
            payment_mode="online_full", online_amount=F("price_amount")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_service_categories"),
        ("organizations", "0001_initial"),
        ("scheduling", "0002_booking_client_no_overlap"),
        ("payments", "0003_one_open_payment_per_target"),
    ]

    operations = [
        migrations.AddField(
            model_name="reservation",
            name="online_amount",
            field=models.PositiveIntegerField(
                default=0,
                help_text="The whole price or the deposit; 0 when it is paid on site.",
                verbose_name="paid online before confirmation (minor units)",
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="payment_mode",
            field=models.CharField(
                choices=[
                    ("online_full", "paid online in full"),
                    ("deposit", "deposit online, the rest on site"),
                    ("on_site", "paid on site"),
                ],
                default="on_site",
                max_length=12,
                verbose_name="payment mode",
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="deposit_amount",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="deposit (minor units)"
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="deposit_percent",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(99),
                ],
                verbose_name="deposit (percentage of the price)",
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="payment_mode",
            field=models.CharField(
                choices=[
                    ("online_full", "paid online in full"),
                    ("deposit", "deposit online, the rest on site"),
                    ("on_site", "paid on site"),
                ],
                default="online_full",
                help_text="Online modes are paid before the reservation is confirmed; a free service is always paid on site.",
                max_length=12,
                verbose_name="payment mode",
            ),
        ),
        migrations.AlterField(
            model_name="service",
            name="description",
            field=models.TextField(blank=True, max_length=5000, verbose_name="description"),
        ),
        migrations.RunPython(settle_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("price_amount__gt", 0), ("payment_mode", "on_site"), _connector="OR"
                ),
                name="booking_service_free_on_site",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("payment_mode", "deposit"),
                        models.Q(
                            models.Q(
                                ("deposit_amount__isnull", False), ("deposit_percent__isnull", True)
                            ),
                            models.Q(
                                ("deposit_amount__isnull", True), ("deposit_percent__isnull", False)
                            ),
                            _connector="OR",
                        ),
                    ),
                    models.Q(
                        models.Q(("payment_mode", "deposit"), _negated=True),
                        ("deposit_amount__isnull", True),
                        ("deposit_percent__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="booking_service_deposit_rule",
            ),
        ),
    ]
