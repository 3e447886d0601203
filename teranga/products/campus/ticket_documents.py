"""A ticket as people carry it: its QR images (PNG, SVG), its PDF and the context of its
phone-friendly page. Reads only: the ticket was access-checked by the caller."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from teranga.core.links import local_time_text
from teranga.core.money import Money
from teranga.core.qr import qr_png, qr_svg

from .models import Ticket, TicketStatus
from .ticket_notices import QR_PREFIX


def ticket_qr_content(ticket: Ticket) -> str:
    return f"{QR_PREFIX}{ticket.code}"


def ticket_qr_png(ticket: Ticket) -> bytes:
    return qr_png(ticket_qr_content(ticket))


def ticket_qr_svg(ticket: Ticket) -> str:
    return qr_svg(ticket_qr_content(ticket), scale=8)


def ticket_view_context(ticket: Ticket) -> dict:
    """What the ticket page and the PDF show."""
    event = ticket.event
    where = event.address or (event.online_url and _("Online")) or ""
    return {
        "ticket": ticket,
        "event": event,
        "organization": event.organization.name,
        "starts": local_time_text(event.starts_at, event.time_zone),
        "ends": local_time_text(event.ends_at, event.time_zone),
        "where": where,
        "ticket_type": ticket.ticket_type.name,
        "price": Money(ticket.price, ticket.ticket_type.currency).format()
        if ticket.price
        else _("Free"),
        "holder": ticket.holder.get_full_name() or ticket.holder.email,
        "valid": ticket.status == TicketStatus.VALID,
        "status": ticket.get_status_display(),
        "qr": qr_svg(ticket_qr_content(ticket), scale=6)
        if ticket.status == TicketStatus.VALID
        else "",
        "code": ticket.code,
    }


def ticket_pdf(ticket: Ticket) -> bytes:
    """The ticket as an A5 PDF (WeasyPrint), the QR code inline."""
    from weasyprint import HTML, URLFetcher

    html = render_to_string("campus/ticket_pdf.html", ticket_view_context(ticket))
    # Only inline ``data:`` URLs: nothing is fetched from the network or the disk.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()
