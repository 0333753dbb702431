"""Which language each testimony is in (py3langid), so that themes are found within one language.

Short texts are often mistaken for a rare language ("good idea" as Afrikaans), so detection runs twice:
first over every language py3langid knows, then restricted to the languages that at least
MIN_SHARE of the testimonies (and at least MIN_COUNT of them) were given, which are the languages
the corpus is really written in. Written varieties of one language that share its script and that
py3langid confuses on short texts (Cantonese and Mandarin Chinese, Nynorsk and Bokmål, Egyptian and
Moroccan Arabic) count as that language (FOLD): themed apart, one conversation's comments were split
into "Chinese" and "Cantonese" themes. See docs/listening.md "Languages".
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

MIN_SHARE = 0.02
MIN_COUNT = 5
UNKNOWN = "und"  # ISO 639-2 "undetermined": text with no letters
FOLD = {"yue": "zh", "wuu": "zh", "nn": "no", "arz": "ar", "ary": "ar"}

NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
         "pt": "Portuguese", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ru": "Russian", "pl": "Polish",
         "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "cy": "Welsh", "ga": "Irish",
         "gd": "Scottish Gaelic", "tr": "Turkish", "ar": "Arabic", "uk": "Ukrainian", "el": "Greek",
         "cs": "Czech", "ro": "Romanian", "hu": "Hungarian", UNKNOWN: "undetermined"}


def name_of(code: str) -> str:
    return NAMES.get(code, code)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _code(ident, text: str) -> str:
    code = ident.classify(text)[0]
    return FOLD.get(code, code)


def detect(texts: list[str]) -> tuple[list[str], list[str]]:
    """(language code per text, the corpus's languages, most used first)."""
    ident = _identifier()
    ident.set_languages(None)
    lettered = [any(ch.isalpha() for ch in t) for t in texts]
    first = [_code(ident, t) if ok else UNKNOWN for t, ok in zip(texts, lettered, strict=True)]
    counts = Counter(c for c in first if c != UNKNOWN)
    need = max(MIN_COUNT, MIN_SHARE * sum(counts.values()))
    major = [c for c, n in counts.most_common() if n >= need] or [c for c, _ in counts.most_common(1)]
    if not major:
        return first, []
    if len(major) == 1:
        out = [major[0] if ok else UNKNOWN for ok in lettered]
    else:
        ident.set_languages(major)
        keep = set(major)
        try:  # only the texts first given a rare language are asked again
            out = [c if c in keep or c == UNKNOWN else _code(ident, t)
                   for t, c in zip(texts, first, strict=True)]
        finally:
            ident.set_languages(None)
    order = [c for c, _ in Counter(out).most_common() if c != UNKNOWN]
    return out, order
