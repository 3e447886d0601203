from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "teranga.platform.invoicing"
    label = "invoicing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """What invoicing registers:

        * access rules: ``invoicing.view`` (managers and above, and staff) reads an
          organisation's invoices and its profile; ``invoicing.manage`` (managers and
          above) issues manual invoices and credit notes; ``invoicing.settings.manage``
          (admins and above) changes the invoicing profile;
        * the notification type ``invoice.issued`` (``notices``);
        * the payments handlers: an invoice for every payment whose fulfilment succeeded,
          a credit note for every refund that succeeded, both in the payments' own
          transaction (``payments_handlers``).
        """
        # Imported here: Django imports apps.py before any model; ready() runs once they are.
        from teranga.platform.organizations.access import register_action
        from teranga.platform.organizations.models import Role
        from teranga.platform.payments.extensions import payment_fulfilled, refund_succeeded

        from . import link_kinds, notices  # noqa: F401  (the notification type)
        from .payments_handlers import on_payment_fulfilled, on_refund_succeeded
        from .selectors import INVOICING_MANAGE, INVOICING_SETTINGS, INVOICING_VIEW

        register_action(INVOICING_VIEW, Role.MANAGER, staff=True, origin=self.label)
        register_action(INVOICING_MANAGE, Role.MANAGER, origin=self.label)
        register_action(INVOICING_SETTINGS, Role.ADMIN, origin=self.label)
        payment_fulfilled.register("invoicing.invoice", on_payment_fulfilled, origin=self.label)
        refund_succeeded.register("invoicing.credit_note", on_refund_succeeded, origin=self.label)
        link_kinds.register(self.label)
