"""Validation of user text at the boundary: trimmed, no NUL or control characters, length-limited."""

from __future__ import annotations

import re
import unicodedata

from voxpop.store.errors import Invalid

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: object, *, field: str, max_len: int, min_len: int = 1, multiline: bool = True) -> str:
    """The text, NFC-normalised and trimmed, or Invalid saying what to fix."""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text")
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(value):
        raise Invalid(f"{field} contains control characters (such as NUL); remove them")
    if not multiline and "\n" in value:
        raise Invalid(f"{field} must be a single line")
    if len(value) < min_len:
        raise Invalid(f"{field} is empty" if min_len == 1 else f"{field} needs at least {min_len} characters")
    if len(value) > max_len:
        raise Invalid(f"{field} is {len(value)} characters long; the limit is {max_len}")
    return value


def text_key(value: str) -> str:
    """What makes two statements the same statement (case and spacing ignored)."""
    return " ".join(value.casefold().split())
