"""The rich-text description of an event: sanitised with nh3 (only safe markup kept),
and its hashtags (``#tech`` in the text is the tag ``tech``).

Only the text counts for hashtags: a ``#`` inside a link (``href="#top"``) or an HTML
entity (``&#39;``) is not one. A hashtag starts with a letter or a digit, continues with
letters, digits, ``_`` and ``-``, and needs at least one letter (``#1`` is not a tag).
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.text import slugify

from ..models.events import TAG_MAX_LENGTH

#: The markup a description may keep.
ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "ul",
        "ol",
        "li",
        "a",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "code",
        "pre",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Not after a word character, "&" (an entity) or "#" (a "##").
_HASHTAG = re.compile(r"(?<![\w&#])#(\w[\w-]*)", re.UNICODE)


def rich_text_clean(value: str) -> str:
    """``value`` with only the allowed markup (scripts, styles, event handlers and
    ``javascript:`` links removed; links get ``rel="noopener noreferrer nofollow"``)."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    ).strip()


def tag_slug(value: str) -> str:
    """A tag as stored: lower case, letters, digits, ``_`` and ``-`` (``""`` if none)."""
    return slugify(str(value).lstrip("#"), allow_unicode=True)[:TAG_MAX_LENGTH].strip("-_")


def plain_text(value: str) -> str:
    """The text of an HTML fragment (markup removed, entities decoded)."""
    return html.unescape(nh3.clean(value or "", tags=set(), clean_content_tags={"script", "style"}))


def hashtags(value: str) -> list[str]:
    """The tag slugs of the hashtags in ``value`` (HTML), in order of appearance, each once."""
    found: dict[str, None] = {}
    for match in _HASHTAG.finditer(plain_text(value)):
        slug = tag_slug(match.group(1))
        if slug and any(ch.isalpha() for ch in slug):
            found.setdefault(slug, None)
    return list(found)
