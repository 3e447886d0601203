"""What an event is enriched with, on this machine only (never an outside call):

* device, browser and OS from the user agent (ua-parser, cached per agent; crawlers
  are recognised and dropped);
* country, region and city from an offline GeoIP database (MaxMind's format, read with
  geoip2) when ``ANALYTICS_GEOIP_PATH`` names one; without it, places stay empty;
* the source of a visit: ``utm_source`` when tagged, else the referrer's site (a few
  well-known hosts by name), nothing for a referrer on the page's own host.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from .models import (
    FAMILY_MAX_LENGTH,
    PATH_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
    UTM_MAX_LENGTH,
    Device,
)

logger = logging.getLogger(__name__)

UTM_TAGS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

#: Referrer hosts (without ``www.``) and the source name they count as.
KNOWN_SOURCES = {
    "google": "Google",
    "bing.com": "Bing",
    "duckduckgo.com": "DuckDuckGo",
    "search.yahoo.com": "Yahoo!",
    "ecosia.org": "Ecosia",
    "qwant.com": "Qwant",
    "facebook.com": "Facebook",
    "m.facebook.com": "Facebook",
    "l.facebook.com": "Facebook",
    "lm.facebook.com": "Facebook",
    "instagram.com": "Instagram",
    "l.instagram.com": "Instagram",
    "t.co": "Twitter",
    "twitter.com": "Twitter",
    "x.com": "Twitter",
    "linkedin.com": "LinkedIn",
    "lnkd.in": "LinkedIn",
    "youtube.com": "YouTube",
    "tiktok.com": "TikTok",
    "wa.me": "WhatsApp",
    "web.whatsapp.com": "WhatsApp",
    "t.me": "Telegram",
    "web.telegram.org": "Telegram",
    "discord.com": "Discord",
    "reddit.com": "Reddit",
}


@dataclass(frozen=True, slots=True)
class Agent:
    device: str
    browser: str
    os: str
    is_bot: bool


@dataclass(frozen=True, slots=True)
class Place:
    country: str = ""
    region: str = ""
    city: str = ""


NOWHERE = Place()


@functools.lru_cache(maxsize=4096)
def parse_agent(user_agent: str) -> Agent:
    from ua_parser import parse

    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    device_family = result.device.family if result.device else "Other"
    lowered = user_agent.lower()
    is_bot = device_family == "Spider" or any(
        word in lowered for word in ("bot", "crawler", "spider", "headlesschrome", "lighthouse")
    )
    if (
        device_family == "iPad"
        or "tablet" in lowered
        or (os_family == "Android" and "mobile" not in lowered)
    ):
        device = Device.TABLET
    elif os_family in ("iOS", "Android") or "mobile" in lowered:
        device = Device.MOBILE
    elif os_family in ("Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora"):
        device = Device.DESKTOP
    else:
        device = Device.OTHER
    return Agent(
        device=str(device),
        browser=browser[:FAMILY_MAX_LENGTH],
        os=os_family[:FAMILY_MAX_LENGTH],
        is_bot=is_bot,
    )


_reader_lock = threading.Lock()
_reader: dict[str, object] = {}


def _geoip_reader():
    path = getattr(settings, "ANALYTICS_GEOIP_PATH", "")
    if not path:
        return None
    with _reader_lock:
        if path not in _reader:
            try:
                import geoip2.database

                _reader[path] = geoip2.database.Reader(path)
            except (OSError, ValueError):
                logger.warning("analytics: the GeoIP database %s cannot be read", path)
                _reader[path] = None
        return _reader[path]


def locate(address: str | None) -> Place:
    """The place of ``address`` in the offline database, or nowhere. The address itself
    goes no further than this call."""
    reader = _geoip_reader()
    if reader is None or not address:
        return NOWHERE
    try:
        found = reader.city(address)
    except Exception:  # noqa: BLE001 — unknown or private address, damaged record
        return NOWHERE
    region = found.subdivisions.most_specific.name if found.subdivisions else ""
    return Place(
        country=(found.country.iso_code or "")[:2],
        region=(region or "")[:PLACE_MAX_LENGTH],
        city=(found.city.name or "")[:PLACE_MAX_LENGTH],
    )


def split_url(url: str) -> tuple[str, str, dict[str, str]]:
    """``(host, path, utm tags)`` of a page's address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = (parts.path or "/")[:PATH_MAX_LENGTH]
    query = parse_qs(parts.query, keep_blank_values=False)
    tags = {
        tag: query[tag][0].strip()[:UTM_MAX_LENGTH]
        for tag in UTM_TAGS
        if query.get(tag) and query[tag][0].strip()
    }
    return host, path, tags


def source_of(referrer: str, *, page_host: str, utm_source: str = "") -> str:
    """The visit's source: its ``utm_source``, else the referrer's site; empty for a
    direct visit or one from the same site."""
    if utm_source:
        return utm_source[:SOURCE_MAX_LENGTH]
    if not referrer:
        return ""
    host = (urlsplit(referrer).hostname or "").lower()
    if not host or host == page_host:
        return ""
    bare = host.removeprefix("www.")
    if bare in KNOWN_SOURCES:
        return KNOWN_SOURCES[bare]
    if bare.startswith("google.") or ".google." in bare:
        return KNOWN_SOURCES["google"]
    return bare[:SOURCE_MAX_LENGTH]
