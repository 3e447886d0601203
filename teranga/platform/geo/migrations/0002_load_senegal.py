"""Load the 14 regions and 46 departments of Senegal from geo/reference.py (idempotent)."""

from django.db import migrations
from django.utils.text import slugify


def load(apps, schema_editor):
    from teranga.platform.geo.reference import SENEGAL_REGIONS

    Region = apps.get_model("geo", "Region")
    Department = apps.get_model("geo", "Department")
    for code, name, departments in SENEGAL_REGIONS:
        region, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "slug": slugify(name)}
        )
        for department in departments:
            Department.objects.update_or_create(
                slug=slugify(department), defaults={"name": department, "region": region}
            )


def unload(apps, schema_editor):
    from teranga.platform.geo.reference import SENEGAL_REGIONS

    Region = apps.get_model("geo", "Region")
    Region.objects.filter(code__in=[code for code, _, _ in SENEGAL_REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
