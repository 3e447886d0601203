"""The circle search's indexes (``selectors.search``): the status and transaction, then
the bounding box, with the type, price and features after it; and the status with the box
for a circle without a transaction (it replaces the bare ``(latitude, longitude)`` index,
which both planners passed over for any index that starts with the status)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("realestate", "0008_imports"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="property",
            name="re_property_geo_idx",
        ),
        migrations.AddIndex(
            model_name="property",
            index=models.Index(
                fields=[
                    "status",
                    "transaction",
                    "latitude",
                    "longitude",
                    "property_type",
                    "price",
                    "features",
                ],
                name="re_property_geo_search_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="property",
            index=models.Index(
                fields=["status", "latitude", "longitude"], name="re_property_status_geo_idx"
            ),
        ),
    ]
