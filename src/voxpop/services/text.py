"""Validation of user text at the boundary, and what makes two statements the same statement.

clean_text: NFC-normalised and trimmed; refuses control characters (C0 and C1), unpaired surrogates,
noncharacters and bidi embedding/override/isolate characters (U+202A-E, U+2066-9: they make text read
differently from how it is stored); U+2028 / U+2029 become line breaks (so a one-line field refuses them);
a statement must contain something visible (not only zero-width, filler or blank characters).
Joiners that scripts and emoji need (ZWJ, ZWNJ) stay in the stored text.

text_key: NFKC (fullwidth and mathematical letters), casefold, invisible characters dropped, each
character replaced by its Unicode confusables prototype (UTS #39 data from the confusable_homoglyphs
package: Cyrillic "о" reads as Latin "o"), spacing collapsed. Two statements with one key are duplicates.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from voxpop import i18n
from voxpop.errors import Invalid

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_LINE_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
# Characters that draw nothing although Unicode does not class them as format (Cf) characters.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u180b\u180c\u180d\u180f") | frozenset(
    chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))


def _invisible(ch: str) -> bool:
    return ch in _BLANK or unicodedata.category(ch) == "Cf"


def has_visible(value: str) -> bool:
    """True when the text draws at least one letter, digit, punctuation mark or symbol."""
    return any(not ch.isspace() and not _invisible(ch) and unicodedata.category(ch)[0] in "LNPS" for ch in value)


# field names that messages may put into the reader's words (marked here for the catalogs)
_FIELD_NAMES = {"statement", "topic", "description", "text"}
_MARKED = (i18n.N_("statement"), i18n.N_("topic"), i18n.N_("description"), i18n.N_("text"))


def clean_text(value: object, *, field: str, max_len: int, min_len: int = 1, multiline: bool = True) -> str:
    """The text, NFC-normalised and trimmed, or Invalid saying what to fix."""
    name = i18n.lazy_gettext(field) if field in _FIELD_NAMES else field
    if not isinstance(value, str):
        raise Invalid(i18n.lazy_gettext("%(field)s must be text", field=name))
    if _CONTROL.search(value):
        raise Invalid(i18n.lazy_gettext("%(field)s contains control characters (such as NUL); remove them", field=name))
    value = unicodedata.normalize("NFC", value.translate(_LINE_SEPARATORS))
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _BIDI.search(value):
        raise Invalid(i18n.lazy_gettext("%(field)s contains bidirectional override characters (U+202A-U+202E, "
                                        "U+2066-U+2069), which make text display differently from what it says; "
                                        "remove them", field=name))
    if not multiline and "\n" in value:
        raise Invalid(i18n.lazy_gettext("%(field)s must be a single line", field=name))
    if len(value) < min_len:
        raise Invalid(i18n.lazy_gettext("%(field)s is empty", field=name) if min_len == 1 else
                      i18n.lazy_gettext("%(field)s needs at least %(n)s characters", field=name, n=min_len))
    if min_len > 0 and not has_visible(value):
        raise Invalid(i18n.lazy_gettext("%(field)s has no visible text (only invisible or blank characters); "
                                        "write some words", field=name))
    if len(value) > max_len:
        raise Invalid(i18n.lazy_gettext("%(field)s is %(n)s characters long; the limit is %(max)s", field=name,
                                        n=len(value), max=max_len))
    return value


@functools.cache
def _prototypes() -> dict[str, str]:
    """character -> the character it is confusable with that stands for the group (ASCII when there is
    one, letters before digits), from the confusables data shipped with confusable_homoglyphs."""
    from confusable_homoglyphs.confusables import confusables_data  # type: ignore[import-untyped]

    out: dict[str, str] = {}
    for ch, glyphs in confusables_data.items():
        if len(ch) != 1 or ch.isascii():
            continue  # ASCII characters are prototypes themselves
        single = [g["c"] for g in glyphs if len(g["c"]) == 1]
        ascii_ = sorted((c for c in single if c.isascii() and c.isprintable()), key=lambda c: (not c.isalpha(), c))
        if ascii_:
            out[ch] = ascii_[0]
        elif single:
            out[ch] = min([ch, *single])
    return out


@functools.lru_cache(maxsize=200_000)  # a conversation's statements are keyed on every new statement
def text_key(value: str) -> str:
    """What makes two statements the same statement: case, spacing, invisible characters, compatibility
    forms (fullwidth, mathematical letters) and look-alike characters from other scripts are ignored."""
    proto = _prototypes()
    visible = "".join(proto.get(ch, ch) for ch in unicodedata.normalize("NFKC", value) if not _invisible(ch))
    skeleton = "".join(proto.get(ch, ch) for ch in visible.casefold())  # before and after: В -> B -> b
    return " ".join(unicodedata.normalize("NFKC", skeleton).casefold().split())
