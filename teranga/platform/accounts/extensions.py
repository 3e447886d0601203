"""The accounts app's extension points.

* :data:`user_erasers` — ``eraser(*, user)`` called by the GDPR erasure
  (``services.user_erase``) inside its transaction, after the account itself is
  anonymised: each app or product that keeps personal data of its own (a student
  profile, an identity document, favourites) removes or anonymises it there. Files are
  deleted after commit (``transaction.on_commit``), as the avatar is. Records that must
  outlive the person (orders, tickets, invoices) stay, pointing at the anonymised
  account.

* :data:`user_exporters` — ``exporter(*, user) -> dict`` called by the GDPR export
  (``selectors.user_export``): each app or product that keeps personal data of its own
  returns it as plain data (text, numbers, dates; never secrets), under its name in the
  export's ``products``. A fixed number of queries.

Products fill them through the product contract (``Product.user_erasers``,
``Product.user_exporters``).
"""

from __future__ import annotations

from collections.abc import Callable

from teranga.core.registry import Registry

user_erasers: Registry[Callable[..., None]] = Registry("user eraser")
user_exporters: Registry[Callable[..., dict]] = Registry("user exporter")

__all__ = ["user_erasers", "user_exporters"]
