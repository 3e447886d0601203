"""Languages: French (default), English and Wolof.

Django ships no ``wo`` locale, so it is registered here (name and direction) and its
message catalogue lives in ``teranga/locale/wo``. Strings Wolof does not translate fall
back to French, the default language.
"""

from django.conf import locale
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

SUPPORTED_LANGUAGES = ("fr", "en", "wo")


def register_wolof() -> None:
    locale.LANG_INFO.setdefault(
        "wo", {"bidi": False, "code": "wo", "name": "Wolof", "name_local": "Wolof"}
    )


def normalize_language(code: str | None, default: str = "fr") -> str:
    """The supported language closest to ``code`` (``fr-SN`` -> ``fr``), else ``default``."""
    if not code:
        return default
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return default


def language_from_header(header: str | None) -> str | None:
    """The first supported language of an ``Accept-Language`` header, by preference
    (``wo, fr;q=0.8`` -> ``wo``); None when it names none we speak, or is absent or ``*``."""
    for code, _quality in parse_accept_lang_header(header or ""):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None
