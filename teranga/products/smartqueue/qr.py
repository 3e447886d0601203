"""The ticket's QR code (segno, never Micro QR). It holds the ticket's code, which a
counter or kiosk scanner reads and which ``GET /tickets/lookup/?code=`` resolves."""

from __future__ import annotations

import io

import segno

QR_PREFIX = "TERANGA-SQ:"


def ticket_qr_content(ticket) -> str:
    return f"{QR_PREFIX}{ticket.code}"


def ticket_qr_svg(ticket, *, scale: int = 4) -> str:
    """The QR code as inline SVG markup (printable tickets, web pages)."""
    buffer = io.BytesIO()
    segno.make_qr(ticket_qr_content(ticket), error="m").save(
        buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, border=2
    )
    return buffer.getvalue().decode()


def ticket_qr_data_uri(ticket, *, scale: int = 4) -> str:
    """The QR code as a ``data:image/svg+xml`` URI (API responses, mobile apps)."""
    return segno.make_qr(ticket_qr_content(ticket), error="m").svg_data_uri(
        scale=scale, border=2
    )
