"""Request bodies that would crash a JSON decoder answer 400, never 500.

Python's ``json`` recurses once per level of nesting: a few kilobytes of ``[`` raise
RecursionError in whatever decodes them. Two guards:

* :func:`json_nesting_exceeds`, a cheap scan that :class:`~teranga.core.middleware.
  BodySanityMiddleware` runs on every body before any view (allauth's headless API
  json-decodes ``request.body`` itself, so a DRF parser alone would not cover it). A body
  nested deeper than ``settings.JSON_MAX_DEPTH`` answers 400 ``malformed_request``.
* :class:`JSONParser` (``DEFAULT_PARSER_CLASSES``): DRF's, answering the same 400 should
  decoding recurse too deeply anyway.
"""

from __future__ import annotations

import re
from itertools import accumulate, count
from operator import sub

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import parsers

TOO_DEEP = gettext_noop("The JSON body is nested too deeply.")

#: A body that may decode to an array or an object (JSON whitespace, then ``[`` or ``{``);
#: anything else cannot nest.
_NESTABLE = re.compile(rb"[ \t\n\r]*+[\[{]")
#: A JSON string (its brackets are text, not nesting); possessive, so never backtracking.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
#: An opening bracket counts 2, a closing one 0: after the i-th bracket the running sum is
#: twice the openers so far, and the depth is that sum minus i.
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_nesting_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body``, read as JSON, nests arrays and objects deeper than ``limit``.

    Brackets inside strings do not count. Of an invalid body (an unterminated string, an
    unclosed bracket), what a decoder would still recurse into counts, so a decoder given
    a body this passes never recurses deeper than ``limit``. Costs two ``count`` calls for
    an ordinary body; the exact scan (C loops only) runs only when the body holds more
    opening brackets than ``limit``.
    """
    if not _NESTABLE.match(body) or body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", body).translate(_STEPS, _NOT_BRACKETS)
    depths = map(sub, accumulate(brackets), count(1))
    return any(map(limit.__lt__, depths))


def too_deep_error():
    # Imported here: teranga.core.errors imports DRF's views, which load this module
    # (DEFAULT_PARSER_CLASSES).
    from teranga.core.errors import ApplicationError, CoreError

    return ApplicationError(_(TOO_DEEP), code=CoreError.MALFORMED_REQUEST)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested too deeply for Python's decoder answers 400
    ``malformed_request`` instead of a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep_error() from None
