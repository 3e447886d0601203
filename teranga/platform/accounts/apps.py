from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "teranga.platform.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from teranga.platform.accounts import schema  # noqa: F401  (OpenAPI auth scheme)
