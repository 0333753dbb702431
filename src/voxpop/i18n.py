"""Languages: message catalogs, the reader's locale, and locale-aware numbers, dates and plurals.

Catalogs are gettext `.po` files under `voxpop/locale/<code>/LC_MESSAGES/messages.po` (one file per
language), compiled in memory when first used, so there is no build step and a catalog edit shows on the next
start. The workflow (docs/i18n.md): `./run i18n extract` collects every marked string into
`locale/messages.pot` and updates each `.po`; translators fill `msgstr`s; `./run i18n check` fails on
a catalog that does not compile or, for a complete language, misses a string.

The locale is per request (a context variable set by the web layer's middleware): the participant's choice
(`?lang=`, remembered in a cookie), else `Accept-Language`, else the conversation's default, else English.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    """A language the interface offers: its code, its name in itself, and who translated it."""

    code: str
    name: str
    complete: bool          # every interface string translated (tests hold it to that)
    translated_by: str
    reviewed: str           # whether a fluent speaker has reviewed it


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", True, "source language", "n/a"),
    "cy": Language("cy", "Cymraeg", True, "voxpop developers (machine-assisted)",
                   "not yet reviewed by a fluent Welsh speaker"),
    "ar": Language("ar", "العربية", False,
                   "voxpop developers (machine-assisted), participant pages only: home, vote and embed, results "
                   "(places, listening themes), privacy, your data, invitation, kiosk, error pages (docs/i18n.md)",
                   "not yet reviewed by a fluent Arabic speaker"),
}

_current: ContextVar[str] = ContextVar("voxpop_locale", default=DEFAULT)


def current() -> str:
    """The locale of the current request (or `use_locale` block)."""
    return _current.get()


def set_current(code: str) -> None:
    _current.set(code if code in LANGUAGES else DEFAULT)


@contextmanager
def use_locale(code: str) -> Iterator[None]:
    token = _current.set(code if code in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(code: str) -> NullTranslations:
    """The compiled catalog of a language (English, the source, has none)."""
    if code == DEFAULT or code not in LANGUAGES:
        return NullTranslations()
    path = resources.files("voxpop").joinpath(f"locale/{code}/LC_MESSAGES/messages.po")
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=code)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def gettext(message: str, **variables: object) -> str:
    """The message in the current language; `%(name)s` placeholders filled from keyword arguments."""
    text = translations(current()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """Singular or plural by the current language's rules (Welsh has six forms); `%(num)s` is n."""
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": format_number(n), **variables}


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    """A message translated when it is used (module-level constants, error messages)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for the catalogs without translating it here (it is translated where it is shown)."""
    return message


class StoredMessages:
    """English messages kept in storage, said again in the reader's language: each of `templates` (catalog
    entries with %(name)s values) is matched against a stored message and translated with the values it held;
    `value` is the pattern a value may match. A message that matches none is returned as it is."""

    def __init__(self, templates: list[str], value: str = ".+?") -> None:
        self.templates, self.value = templates, value

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern, str]]:
        out = []
        for t in self.templates:
            rx = re.sub(r"%\\\((\w+)\\\)s", lambda m: f"(?P<{m.group(1)}>{self.value})", re.escape(t))
            out.append((re.compile(rx + r"\Z", re.S), t))
        return out

    def __call__(self, message: str) -> str:
        if not message or current() == DEFAULT:
            return message
        for rx, template in self._patterns:
            m = rx.match(message)
            if m:
                return gettext(template, **m.groupdict())
        return message


def language_name(code: str, in_locale: str | None = None) -> str:
    """A language's name in the reader's language ("Welsh"; "Cymraeg" in Welsh)."""
    try:
        return Locale.parse(code, sep="-").get_display_name(in_locale or current()) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code


def text_direction(code: str | None = None) -> str:
    """'rtl' or 'ltr' for a language."""
    try:
        return "rtl" if Locale.parse(code or current()).text_direction == "rtl" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"


def negotiate(chosen: str | None, accept_language: str | None, default: str | None = None) -> str:
    """The language to use: an explicit choice we offer, else the best `Accept-Language` match, else the
    conversation's default, else English."""
    if chosen and chosen in LANGUAGES:
        return chosen
    wanted: list[tuple[float, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            wanted.append((-q + i * 1e-6, tag.strip()))
    for _q, tag in sorted(wanted):
        base = tag.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    if default and default in LANGUAGES:
        return default
    return DEFAULT


def format_number(value: float | int, digits: int | None = None) -> str:
    """A number as the reader writes it (grouping, decimal mark)."""
    if digits is not None:
        return babel_numbers.format_decimal(round(value, digits), locale=current(),
                                            format="#,##0." + "0" * digits if digits else "#,##0")
    return babel_numbers.format_decimal(value, locale=current())


def format_percent(share: float, digits: int = 0) -> str:
    """A share (0..1) as a percentage in the reader's locale: 0.634 -> '63%'."""
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return babel_numbers.format_percent(share, format=fmt, locale=current())


def format_date(value: date | datetime, form: str = "medium") -> str:
    """A date as the reader writes it ('30 Tach 2026' in Welsh)."""
    return babel_dates.format_date(value, format=form, locale=current())


def install(env) -> None:  # a jinja2.Environment
    """Give templates `_()`, `ngettext()` ({% trans %} too) and locale-aware filters."""
    env.add_extension("jinja2.ext.i18n")
    # Jinja's "newstyle" callables escape and fill placeholders themselves: give them the bare lookups
    env.install_gettext_callables(gettext=lambda m: translations(current()).gettext(m),
                                  ngettext=lambda s, p, n: translations(current()).ngettext(s, p, n),
                                  newstyle=True)
    env.globals.update(current_locale=current, text_direction=text_direction, languages=LANGUAGES,
                       language_name=language_name)
    # `stored`: English words the pipeline stored with its output (marked with N_) in the reader's language;
    # any other text as it is. Plain strings, so the template still escapes them.
    env.filters.update(number=format_number, percent=format_percent, date=format_date,
                       stored=lambda text: gettext(text) if isinstance(text, str) and text else text)
