from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "teranga.platform.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set

        from teranga.platform.accounts import (
            audit_events,
            schema,  # noqa: F401  (OpenAPI auth scheme)
        )
        from teranga.platform.accounts.tokens import on_password_changed, on_password_reset

        # A password change ends the other sessions and reissues this one's tokens.
        password_changed.connect(on_password_changed, dispatch_uid="teranga.password_changed")
        password_set.connect(on_password_changed, dispatch_uid="teranga.password_set")
        # A reset (the old password may be known to someone else) ends every session.
        password_reset.connect(on_password_reset, dispatch_uid="teranga.password_reset")
        # Sign-ins, failed sign-ins, password, email and MFA changes go to the audit log.
        audit_events.connect()
