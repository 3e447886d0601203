"""Extract, merge and compile Teranga's message catalogues (fr, en, wo).

``python -m teranga.core.compile_messages`` (or ``make messages``).

Django's makemessages/compilemessages need GNU gettext, which a fresh machine does not
have; Babel (already a dependency, for money formats) does the same job in Python. The
compiled ``.mo`` files are committed, so running the project never needs this step.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
LANGUAGES = ("fr", "en", "wo")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
}


def extract() -> Catalog:
    template = Catalog(project="teranga", charset="utf-8")
    method_map = [("**/tests/**", "ignore"), ("**/migrations/**", "ignore"), ("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


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
