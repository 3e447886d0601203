"""QR codes for anything a scanner reads: queue tickets, event tickets, reservations,
check-in links.

Drawn with segno's ``make_qr`` (never a Micro QR, which most phone and kiosk scanners
cannot read) at error correction level M (segno may raise it when that costs no extra
size) and a two-module quiet zone. The caller decides the content (usually a product
prefix and an unguessable code, see :mod:`teranga.core.codes`).
"""

from __future__ import annotations

import functools
import io

import segno

ERROR_LEVEL = "m"
BORDER = 2  # modules of quiet zone around the symbol


def _symbol(content: str) -> segno.QRCode:
    return segno.make_qr(content, error=ERROR_LEVEL)


def qr_svg(content: str, *, scale: int = 4) -> str:
    """The QR code as inline SVG markup, without an XML declaration (printable
    tickets, web pages). ``scale`` is the size of a module in pixels."""
    buffer = io.BytesIO()
    _symbol(content).save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, border=BORDER)
    return buffer.getvalue().decode()


@functools.lru_cache(maxsize=2048)
def qr_data_uri(content: str, *, scale: int = 4) -> str:
    """The QR code as a ``data:image/svg+xml`` URI (API responses, mobile apps).

    Drawing one takes a few milliseconds (segno tries all eight masks in Python), and
    a client polls its own ticket over and over: the last 2,048 drawn (a few KB each)
    are kept per process. A pure function of its arguments, so nothing goes stale."""
    return _symbol(content).svg_data_uri(scale=scale, border=BORDER)


def qr_png(content: str, *, scale: int = 8) -> bytes:
    """The QR code as PNG bytes (downloads, emails, PDFs). ``scale`` is the size of a
    module in pixels."""
    buffer = io.BytesIO()
    _symbol(content).save(buffer, kind="png", scale=scale, border=BORDER)
    return buffer.getvalue()


def qr_png_data_uri(content: str, *, scale: int = 6) -> str:
    """The QR code as a ``data:image/png;base64`` URI (emails: mail clients show PNG,
    rarely SVG)."""
    import base64

    return "data:image/png;base64," + base64.b64encode(qr_png(content, scale=scale)).decode()
