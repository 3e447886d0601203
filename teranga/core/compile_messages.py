"""Extract, merge and compile Teranga's message catalogues (fr, en, wo).

``python -m teranga.core.compile_messages`` (or ``make messages``).

Django's makemessages/compilemessages need GNU gettext, which a fresh machine does not
have; Babel (already a dependency, for money formats) does the same job in Python. The
compiled ``.mo`` files are committed, so running the project never needs this step.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
LANGUAGES = ("fr", "en", "wo")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
}


#: Messages of the libraries that reach our users (DRF's and Django's field errors,
#: allauth's headless errors and emails). Django has no Wolof catalogue for them, so our
#: ``wo`` catalogue carries them; French and English keep the libraries' own catalogues
#: (an empty entry here is left out of the compiled file and does not shadow them).
#: ``package -> globs``, relative to the package's directory.
LIBRARY_SOURCES: dict[str, tuple[str, ...]] = {
    "rest_framework": (
        "authentication.py", "exceptions.py", "fields.py", "generics.py", "pagination.py",
        "parsers.py", "relations.py", "serializers.py", "throttling.py", "validators.py",
    ),
    "django": (
        "core/validators.py", "forms/fields.py", "contrib/auth/password_validation.py",
    ),
    "phonenumber_field": ("*.py",),
    "allauth": (
        "account/adapter.py", "account/forms.py", "core/internal/*.py", "headless/**/*.py",
        "mfa/adapter.py", "mfa/base/forms.py", "mfa/totp/forms.py", "mfa/recovery_codes/forms.py",
        "usersessions/*.py", "templates/account/email/*.txt", "templates/mfa/email/*.txt",
    ),
}


def extract_django_template(fileobj, keywords, comment_tags, options):
    """Babel extraction method for Django templates: Django's own ``templatize`` turns
    ``{% translate %}`` and ``{% blocktranslate %}`` into gettext calls, which Babel's
    Python extractor then reads (no template extractor ships with Babel)."""
    from django.utils.translation.template import templatize

    source = templatize(fileobj.read().decode("utf-8"))
    yield from extract_python(io.BytesIO(source.encode("utf-8")), keywords, comment_tags, options)


def _configure_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True)
        django.setup()


def _add(template: Catalog, found) -> None:
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin, package
    return Path(spec.origin).parent


def extract() -> Catalog:
    _configure_django()
    template = Catalog(project="teranga", charset="utf-8")
    method_map = [
        ("**/tests/**", "ignore"),
        ("**/migrations/**", "ignore"),
        ("**.py", "python"),
        ("**/templates/**.html", extract_django_template),
        ("**/templates/**.txt", extract_django_template),
    ]
    _add(template, extract_from_dir(str(ROOT), method_map=method_map, keywords=KEYWORDS))
    for package, globs in LIBRARY_SOURCES.items():
        base = _package_dir(package)
        library_map = [(g, extract_django_template if g.endswith(".txt") else "python")
                       for g in globs]
        found = [
            (f"{package}/{filename}", lineno, message, comments, context)
            for filename, lineno, message, comments, context in extract_from_dir(
                str(base), method_map=library_map, keywords=KEYWORDS
            )
        ]
        _add(template, found)
    return template


def library_message(message) -> bool:
    """Whether ``message`` comes only from libraries (``LIBRARY_SOURCES``), not from us."""
    return all(path.split("/", 1)[0] in LIBRARY_SOURCES for path, _line in message.locations)


def update_and_compile() -> None:
    template = extract()
    for language in LANGUAGES:
        directory = LOCALE_DIR / language / "LC_MESSAGES"
        directory.mkdir(parents=True, exist_ok=True)
        po_path = directory / "django.po"
        if po_path.exists():
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, project="teranga", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False  # a fuzzy header would be left out of the .mo
        catalog.project, catalog.version = "Teranga", "1"
        catalog.msgid_bugs_address = "dev@teranga.sn"
        catalog.last_translator = catalog.language_team = "Teranga <dev@teranga.sn>"
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
        with (directory / "django.mo").open("wb") as handle:
            write_mo(handle, catalog)
        translated = sum(1 for m in catalog if m.id and m.string)
        print(f"{language}: {translated}/{len(catalog)} translated")


if __name__ == "__main__":
    update_and_compile()
