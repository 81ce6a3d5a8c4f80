"""Add or correct translations in the catalogues from a YAML file, without an editor.

    .venv/bin/python scripts/i18n_add.py words.yaml

`words.yaml` is a list of entries `{id: "English message id", vi: "Vietnamese", en: "..."}`
(`en` defaults to the id). Each entry is added to, or corrected in, both catalogues
(lib/ptdv/locale/<lang>/LC_MESSAGES/ptdv.po) and loses any fuzzy mark. Several writers may
run at once: the catalogues are locked while they are read and written. Run `make i18n`
afterwards to drop ids no longer in the code and sort the files as pybabel writes them.
"""

from __future__ import annotations

import fcntl
import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po, write_po

from ptdv.base import i18n


def main(argv: list[str]) -> int:
    """Merge the entries of each YAML file given into the catalogues."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    entries = []
    for name in argv:
        data = yaml.safe_load(Path(name).read_text("utf-8")) or []
        for k, e in enumerate(data):
            if not isinstance(e, dict) or not e.get("id") or not e.get("vi"):
                print(f"{name}: entry {k + 1}: expected 'id' and 'vi'", file=sys.stderr)
                return 2
            entries.append(e)
    lock = i18n.LOCALE_DIR / ".lock"
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        for lang in i18n.LANGS:
            path = i18n.catalogue_path(lang)
            with path.open("rb") as f:
                catalog = read_po(f, locale=lang, domain=i18n.DOMAIN)
            for e in entries:
                text = e["vi"] if lang == "vi" else e.get("en", e["id"])
                msg = catalog.get(e["id"])
                if msg is None:
                    catalog.add(e["id"], text)
                else:
                    msg.string = text
                    msg.flags.discard("fuzzy")
            with path.open("wb") as f:
                write_po(f, catalog, omit_header=False, no_location=True, sort_output=True)
    print(f"{len(entries)} message(s) in {', '.join(i18n.LANGS)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
