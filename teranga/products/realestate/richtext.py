"""A property's description: sanitised with nh3 (only safe markup kept), as Campus does
for event descriptions; and the words ``q`` searches (``search_words``)."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

#: The markup a description may keep.
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h2", "h3", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
LINK_REL = "noopener noreferrer nofollow"
_WORD = re.compile(r"[\w]+", re.UNICODE)


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


def plain_text(value: str) -> str:
    """The text of an HTML fragment (markup removed, entities decoded)."""
    return html.unescape(nh3.clean(value or "", tags=set(), clean_content_tags={"script", "style"}))


def folded(value: str) -> str:
    """Lower case without accents (``Sacré-Cœur`` → ``sacre-coeur``)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().replace("œ", "oe"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_words(value: str) -> list[str]:
    return _WORD.findall(folded(value))


def search_text(*parts: str) -> str:
    """What ``q`` looks in: every word of ``parts`` folded, space separated, each once."""
    words: dict[str, None] = {}
    for part in parts:
        for word in search_words(plain_text(part)):
            words.setdefault(word, None)
    return " ".join(words)
