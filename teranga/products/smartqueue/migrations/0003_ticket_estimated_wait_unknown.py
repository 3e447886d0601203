"""A ticket's estimated wait at issue may be unknown (null): no counter was open on its
queue. Existing rows keep their figure."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('smartqueue', '0002_ticketorder_held_order'),
    ]

    operations = [
        migrations.AlterField(
            model_name='ticket',
            name='estimated_wait_at_issue',
            field=models.PositiveIntegerField(blank=True, default=0, null=True, verbose_name='estimated wait when issued (seconds)'),
        ),
    ]
