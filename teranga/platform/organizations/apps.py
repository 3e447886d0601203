from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "teranga.platform.organizations"
    label = "organizations"
    default_auto_field = "django.db.models.BigAutoField"
