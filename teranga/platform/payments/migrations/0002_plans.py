"""The three B2B plans (seed 002: starter, business, enterprise). Staff edit them in the
admin afterwards; a missing limit means unlimited. Yearly is ten months' price."""

from django.db import migrations

PLANS = [
    {
        "code": "starter",
        "name": "Starter",
        "description": "Une agence, l'essentiel pour démarrer.",
        "features": ["queues", "appointments", "display_board"],
        "limits": {"branches": 1, "counters": 3, "sms_per_month": 500},
        "price_monthly_xof": 15000,
        "price_yearly_xof": 150000,
        "price_monthly_eur": 2500,
        "price_yearly_eur": 25000,
        "position": 1,
    },
    {
        "code": "business",
        "name": "Business",
        "description": "Plusieurs agences, SMS et statistiques.",
        "features": ["queues", "appointments", "display_board", "sms", "analytics", "api"],
        "limits": {"branches": 5, "counters": 20, "sms_per_month": 5000},
        "price_monthly_xof": 45000,
        "price_yearly_xof": 450000,
        "price_monthly_eur": 6900,
        "price_yearly_eur": 69000,
        "position": 2,
    },
    {
        "code": "enterprise",
        "name": "Enterprise",
        "description": "Réseau national, sans limite, bornes et support prioritaire.",
        "features": [
            "queues", "appointments", "display_board", "sms", "analytics", "api", "kiosk",
            "priority_support", "custom_branding",
        ],
        "limits": {},
        "price_monthly_xof": 150000,
        "price_yearly_xof": 1500000,
        "price_monthly_eur": 22900,
        "price_yearly_eur": 229000,
        "position": 3,
    },
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("payments", "Plan")
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults=plan)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [migrations.RunPython(create_plans, migrations.RunPython.noop)]
