"""What the ticket's QR code holds: the ticket's code behind SmartQueue's prefix, which a
counter or kiosk scanner reads and which ``GET /tickets/lookup/?code=`` resolves. The
image itself is drawn by :mod:`teranga.core.qr`."""

from __future__ import annotations

QR_PREFIX = "TERANGA-SQ:"


def ticket_qr_content(ticket) -> str:
    return f"{QR_PREFIX}{ticket.code}"
