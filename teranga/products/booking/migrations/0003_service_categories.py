"""The service categories clients browse by (names in French, the default language)."""

import uuid

from django.db import migrations

CATEGORIES = [
    ("beaute-coiffure", "Beauté et coiffure"),
    ("sante", "Santé"),
    ("bien-etre", "Bien-être et massage"),
    ("sport", "Sport et fitness"),
    ("education", "Cours et formation"),
    ("conseil", "Conseil et services juridiques"),
    ("reparation", "Réparation et dépannage"),
    ("photographie", "Photographie"),
    ("evenementiel", "Événementiel"),
    ("restauration", "Restauration et traiteur"),
    ("automobile", "Automobile"),
    ("autre", "Autre"),
]


def load(apps, schema_editor):
    Category = apps.get_model("booking", "ServiceCategory")
    for position, (slug, name) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position, "id": uuid.uuid4()}
        )


def unload(apps, schema_editor):
    apps.get_model("booking", "ServiceCategory").objects.filter(
        slug__in=[slug for slug, _ in CATEGORIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("booking", "0002_initial")]

    operations = [migrations.RunPython(load, unload)]
