"""Maintain the interface's message catalogs (docs/i18n.md): `python -m voxpop.i18n_catalogs extract|check`.

extract  collect every marked string (`_()`, `gettext`, `ngettext`, `lazy_gettext` in Python; `_()`,
         `{% trans %}` in templates) into locale/messages.pot and merge it into each language's .po
check    every catalog compiles, placeholders agree with the English, and each language marked complete in
         voxpop.i18n.LANGUAGES translates every string; exit 1 with a list of what to fix otherwise
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from voxpop.i18n import DEFAULT, LANGUAGES

PKG = Path(__file__).resolve().parent
LOCALE = PKG / "locale"
POT = LOCALE / "messages.pot"
ROOT = PKG.parents[1]
KEYWORDS = ["-k", "lazy_gettext", "-k", "ngettext:1,2", "-k", "gettext", "-k", "N_"]


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    LOCALE.mkdir(exist_ok=True)
    _babel("extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, "--no-location", "--sort-output",
           "--project", "voxpop", "--copyright-holder", "voxpop contributors", "-o", str(POT), str(PKG))
    for code in LANGUAGES:
        if code == DEFAULT:
            continue
        po = LOCALE / code / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel("update", "-i", str(POT), "-d", str(LOCALE), "-l", code, "--no-fuzzy-matching",
                   "--ignore-obsolete")
        else:
            _babel("init", "-i", str(POT), "-d", str(LOCALE), "-l", code)
    print(f"catalogs updated from {POT.relative_to(ROOT)}")


def problems() -> list[str]:
    """What is wrong with the catalogs (empty when all is well)."""
    out: list[str] = []
    if not POT.exists():
        return [f"{POT} is missing: run ./run i18n extract"]
    with POT.open("rb") as f:
        template = read_po(f)
    wanted = {m.id for m in template if m.id}
    for code, lang in LANGUAGES.items():
        if code == DEFAULT:
            continue
        po = LOCALE / code / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            out.append(f"{code}: {po} is missing: run ./run i18n extract")
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=code)
        for message, errors in catalog.check():
            out += [f"{code}: {message.id!r}: {e}" for e in errors]
        have = {m.id for m in catalog if m.id and m.string and not m.fuzzy
                and (not isinstance(m.string, tuple) or all(m.string))}
        missing = sorted(str(w if isinstance(w, str) else w[0]) for w in wanted - have)
        if missing and lang.complete:
            out += [f"{code}: not translated: {m!r}" for m in missing]
        stale = {m.id for m in catalog if m.id} - wanted
        if stale:
            out.append(f"{code}: {len(stale)} strings no longer used: run ./run i18n extract")
    return out


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "extract":
        extract()
        return 0
    if cmd == "check":
        found = problems()
        for p in found:
            print(p)
        print("catalogs: OK" if not found else f"catalogs: {len(found)} problems")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
