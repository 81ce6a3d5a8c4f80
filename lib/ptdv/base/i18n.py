"""Reader-facing words through gettext: one Babel catalogue per language in ptdv/locale/.

Message ids are English. The catalogues (`locale/<lang>/LC_MESSAGES/ptdv.po`) are the only
place a word is translated; they are compiled in memory when first used, so no compiled
`.mo` file is committed or can go stale. Refresh them after changing a word in the code or
the templates (see the README, "Changing a word"):

    pybabel extract -F babel.cfg -o lib/ptdv/locale/ptdv.pot .
    pybabel update -i lib/ptdv/locale/ptdv.pot -d lib/ptdv/locale -D ptdv
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parents[1] / "locale"
DOMAIN = "ptdv"
LANGS = ("vi", "en")


def catalogue_path(lang: str) -> Path:
    """Return the .po file of a language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> Translations:
    """Return the compiled translations of `lang` (vi or en), compiled from its .po file."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid: {', '.join(LANGS)}")
    with catalogue_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def translator(lang: str) -> Callable[..., str]:
    """Return `_` for `lang`: `_("Due {date}", date=...)` translates, then fills placeholders.

    Bind it as `_` so that `pybabel extract` finds the messages.
    """
    tr = translations(lang)

    def _(message: str, **values: object) -> str:
        text = tr.gettext(message)
        return text.format(**values) if values else text

    return _


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction without translating it yet."""
    return message
