"""Links (code ``links``), flagged:

* more than ``MODERATION_MAX_LINKS`` links (3 by default) in one text;
* a link through a URL shortener (``MODERATION_SHORTENER_HOSTS``: bit.ly, tinyurl.com …),
  to a raw IP address, or to a punycode (``xn--``) or non-ASCII host.

Links to ``PUBLIC_URL``'s host (and its subdomains) and to the hosts of
``MODERATION_ALLOWED_LINK_HOSTS`` never count.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings

from teranga.core.links import public_base

from ..verdicts import ALLOW, FLAG, ModerationContext, Verdict

DEFAULT_MAX_LINKS = 3
DEFAULT_SHORTENER_HOSTS: tuple[str, ...] = (
    "bit.ly",
    "bitly.com",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "cutt.ly",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "rebrand.ly",
    "shorturl.at",
    "rb.gy",
    "t.ly",
    "tiny.cc",
    "s.id",
    "v.gd",
)

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")


def _host(url: str) -> str:
    if not re.match(r"(?i)https?://", url):
        url = f"http://{url}"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def _within(host: str, domains) -> bool:
    return any(host == d or host.endswith(f".{d}") for d in domains if d)


def _allowed_hosts() -> list[str]:
    hosts = [h.lower() for h in getattr(settings, "MODERATION_ALLOWED_LINK_HOSTS", ())]
    own = _host(public_base())
    return [own, *hosts] if own else hosts


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def link_hosts(text: str) -> list[str]:
    """The hosts of the links in ``text`` that count (allowed hosts left out)."""
    allowed = _allowed_hosts()
    hosts = [_host(match.group(0)) for match in _URL.finditer(text)]
    return [h for h in hosts if not (h and _within(h, allowed))]


def link_rule(text: str, context: ModerationContext) -> Verdict:
    hosts = link_hosts(text)
    if not hosts:
        return Verdict(ALLOW)
    shorteners = getattr(settings, "MODERATION_SHORTENER_HOSTS", None)
    shorteners = DEFAULT_SHORTENER_HOSTS if shorteners is None else shorteners
    for host in hosts:
        if _within(host, shorteners):
            return Verdict(FLAG, f"link shortener: {host}", "links")
        if _is_ip(host):
            return Verdict(FLAG, "link to an IP address", "links")
        if not host.isascii() or any(label.startswith("xn--") for label in host.split(".")):
            return Verdict(FLAG, "link to a punycode host", "links")
    most = getattr(settings, "MODERATION_MAX_LINKS", DEFAULT_MAX_LINKS)
    if len(hosts) > most:
        return Verdict(FLAG, f"{len(hosts)} links", "links")
    return Verdict(ALLOW)
