"""The notifications app's extension points.

* :data:`notification_types` — what a kind of notification says and where it goes
  (:class:`NotificationType`, registered with :func:`notification_type_register`);
* :data:`broadcast_segments` — who a staff broadcast may go to (:class:`Segment`);
* :data:`sms_inbound_handlers` — answers to SMS that people send to the platform's
  number (``handler(from_e164, text, language_hint) -> reply or None``);
* :data:`sms_providers` / :data:`push_providers` — the platform's own delivery adapters.

Products fill these through the product contract (``teranga.platform.contract``).
"""

from .broadcasts import Segment, broadcast_segments
from .inbound import InboundHandler, sms_inbound_handlers
from .providers.registry import push_providers, sms_providers
from .types import NotificationType, notification_type_register, notification_types

__all__ = [
    "InboundHandler",
    "NotificationType",
    "Segment",
    "broadcast_segments",
    "notification_type_register",
    "notification_types",
    "push_providers",
    "sms_inbound_handlers",
    "sms_providers",
]
