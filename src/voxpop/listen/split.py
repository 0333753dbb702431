"""Split testimony into claims (sentences) that keep exact character offsets.

Lines first (a line break always ends a claim), then sentences with pysbd, then CJK sentence
enders. pysbd's own spans are re-anchored with str.find so offsets are exact whatever it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

_CJK_END = re.compile(r"[。！？]+[」』”]?")
_WORDY = re.compile(r"\w")
# a possible sentence end followed by more text on the same line
_INNER_END = re.compile(r"[.!?。！？…][\"'”’»)\]]*(?:\s+|(?<=[。！？]))\S")


@dataclass(frozen=True)
class Claim:
    id: str
    testimony: str
    start: int
    end: int
    text: str


# Fast path: a line whose every possible boundary is unambiguous ("word. Next") is split here; any line
# with an abbreviation, initial, number, ellipsis or lower-case continuation goes to pysbd.
_BOUNDARY = re.compile(r"(\S*?)([.!?]+)([\"'”’)\]]*)(\s+)(?=(\S))")


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    from pysbd.lang.english import English

    a = English.Abbreviation
    return frozenset(x.lower() for x in (*a.ABBREVIATIONS, *a.PREPOSITIVE_ABBREVIATIONS, *a.NUMBER_ABBREVIATIONS))


def _pieces(text: str, s: int, e: int) -> list[tuple[int, int, bool]]:
    """text[s:e] cut at unambiguous boundaries; each piece says whether it still holds a hard one."""
    abbrev = _abbreviations()
    out, pos, hard = [], s, False
    for m in _BOUNDARY.finditer(text, s, e):
        word, punct, nxt = m.group(1), m.group(2), m.group(5)[0]
        bare = word.lstrip("\"'“‘([").lower()
        if (punct.startswith(".") and (len(punct) > 1 or len(bare) <= 1 or "." in bare or bare in abbrev
                                       or bare[-1:].isdigit() or (len(bare) <= 2 and bare.islower()))) \
                or not (nxt.isupper() or (nxt.isalpha() and not nxt.islower()) or nxt in "\"“‘'("):
            hard = True
            continue
        out.append((pos, m.end(3), hard))
        pos, hard = m.end(3), False
    out.append((pos, e, hard))
    return out


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _has_cjk_enders(seg: str) -> bool:
    return any(ch in seg for ch in "。！？")


def _cjk_split(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, pos = [], s
    for m in _CJK_END.finditer(text, s, e):
        if m.end() < e:
            out.append((pos, m.end()))
            pos = m.end()
    out.append((pos, e))
    return out


def _sentences(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Sentence spans of text[s:e] (a single line), exact offsets into text."""
    chunk = text[s:e]
    if len(chunk) < 12 or not _INNER_END.search(chunk):  # at most one sentence: no need for pysbd
        return [(s, e)]
    if _has_cjk_enders(chunk):
        return _pysbd_spans(text, s, e)
    out = []
    for a, b, hard in _pieces(text, s, e):
        out.extend(_pysbd_spans(text, a, b) if hard else [(a, b)])
    return out


def _pysbd_spans(text: str, s: int, e: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = s
    for seg in _segmenter().segment(text[s:e]):
        seg_stripped = seg.strip()
        if not seg_stripped:
            continue
        at = text.find(seg_stripped, cursor, e)
        if at < 0:  # pysbd changed the text: give up on this piece, keep it whole
            return [(s, e)]
        spans.append((at, at + len(seg_stripped)))
        cursor = at + len(seg_stripped)
    # close gaps so no character is lost: each span runs to the start of the next one
    out = []
    for i, (a, _) in enumerate(spans):
        b = spans[i + 1][0] if i + 1 < len(spans) else e
        a = s if i == 0 else a
        out.append((a, b))
    final = []
    for a, b in out:
        final.extend(_cjk_split(text, a, b) if _has_cjk_enders(text[a:b]) else [(a, b)])
    return final or [(s, e)]


def split_text(text: str, testimony_id: str = "t") -> list[Claim]:
    """Claims of one testimony text: text[c.start:c.end] == c.text for every claim."""
    claims: list[Claim] = []
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        s, e = _strip(text, pos, end)
        if s < e:
            for a, b in _sentences(text, s, e):
                a, b = _strip(text, a, b)
                if a < b and _WORDY.search(text, a, b):
                    claims.append(Claim(f"{testimony_id}:{len(claims)}", testimony_id, a, b, text[a:b]))
        pos = end + 1
    return claims
