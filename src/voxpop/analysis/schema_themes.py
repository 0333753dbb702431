"""Types of the `themes` section (schema `voxpop.themes` version 2; filled by voxpop.listen, docs/listening.md).

Offsets are Python string indices into the testimony text: `testimony.text[start:end] == text` for every
quote, claim and candidate.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from pydantic import with_config
from typing_extensions import TypedDict

from voxpop.analysis.schema_places import SECTION


@with_config(SECTION)
class Embedding(TypedDict):
    """Which embedding ran."""

    model: Literal["minilm", "tfidf"]
    """the model used"""
    name: str
    """its full name"""
    dim: int
    """vector dimensions"""
    requested: str
    """what was asked for (auto, minilm or tfidf)"""
    fallback_reason: str | None
    """why TF-IDF was used under auto"""
    cache_hits: int | None
    """texts found in the embedding cache (null in the demo's shipped themes)"""
    cache_misses: int | None
    """texts embedded now"""
    runtime: str | None
    """e.g. "openvino" (null for tfidf)"""
    precision: str | None
    """"bf16", "int8" or "f32" (null for tfidf)"""
    precomputed: NotRequired[bool]
    """only on the demo: the shipped MiniLM themes were used"""


@with_config(SECTION)
class Method(TypedDict):
    """How themes were found."""

    name: str
    """the method's name ("language-ward-reference-gap")"""
    seed: int
    """random seed"""
    by_language: dict[str, dict[str, Any]]
    """per language: claims, themes, one_topic, silhouette, gap, micro_clusters, k_range, and the
    silhouettes and the reference's at every k"""


@with_config(SECTION)
class Language(TypedDict):
    """One language of the testimony."""

    code: str
    """language code ("und" when undetermined)"""
    name: str
    """its name"""
    testimonies: int
    """testimonies in it"""
    claims: int
    """sentences in it"""
    themes: int
    """themes in it (themes are found within each language)"""


@with_config(SECTION)
class ThemesCounts(TypedDict):
    """What was read and found."""

    sources: int
    """files"""
    testimonies: int
    """testimonies"""
    claims: int
    """sentences (claims)"""
    speakers: int
    """distinct speakers"""
    themes: int
    """top-level themes"""
    other: int
    """claims in the `other` block"""


@with_config(SECTION)
class ThemesMeta(TypedDict):
    """About the listening run."""

    generated_at: str
    """when, UTC (ISO 8601)"""
    embedding: Embedding
    """which embedding ran"""
    method: Method
    """how themes were found"""
    languages: list[Language]
    """each language with its testimonies, sentences and themes"""
    language_detection: str
    """how languages were detected"""
    counts: ThemesCounts
    """what was read and found"""
    max_statement_length: int
    """candidates fit this statement length"""
    small_cell_min_speakers: int
    """breakdown cells of fewer distinct speakers are suppressed"""
    timings: dict[str, float | None]
    """seconds per stage (read_s, split_s, embed_s, cluster_s, label_s, total_s)"""


@with_config(SECTION)
class Source(TypedDict):
    """One input file."""

    id: str
    """the file name"""
    path: str
    """where it was read (the file name only over the API)"""
    kind: Literal["csv", "text", "transcript"]
    """how it was read"""
    sha256: str
    """SHA-256 of its bytes"""
    testimonies: int
    """testimonies read from it"""


@with_config(SECTION)
class Testimony(TypedDict):
    """One testimony: a CSV row, a text file, or one transcript turn."""

    id: str
    """its id"""
    source: str
    """its source's id"""
    line: int | None
    """the CSV line where it starts"""
    source_start: int | None
    """offset of its text in the decoded file (null for CSV)"""
    speaker: str | None
    """who said it"""
    place: str | None
    """where"""
    attributes: dict[str, Any]
    """speaker attributes (e.g. age)"""
    text: str
    """the full text exactly as given"""
    language: str
    """its language code"""
    claims: list[str]
    """its claims' ids"""
    theme: int | None
    """its main theme (nearest centroid), null when all its claims are in `other`"""


@with_config(SECTION)
class Claim(TypedDict):
    """One sentence of a testimony."""

    id: str
    """its id: the testimony id, a colon and the sentence's index (e.g. t1:0)"""
    testimony: str
    """its testimony"""
    start: int
    """start offset in the testimony text"""
    end: int
    """end offset"""
    text: str
    """the exact span"""
    theme: int | None
    """its theme (null in "other")"""
    subtheme: str | None
    """its sub-theme "T.S" (null when its theme has none)"""


@with_config(SECTION)
class Keyword(TypedDict):
    """A distinctive phrase of a theme."""

    term: str
    """the phrase"""
    score: float
    """coverage × log(1 + lift)"""


@with_config(SECTION)
class Quote(TypedDict):
    """A representative verbatim quote."""

    claim: str
    """claim id"""
    testimony: str
    """testimony id"""
    source: str
    """source id"""
    start: int
    """start offset in the testimony text"""
    end: int
    """end offset"""
    source_start: int | None
    """offset of the testimony in its file"""
    text: str
    """the exact span"""
    speaker: str | None
    """who said it"""
    place: str | None
    """where"""
    similarity: float
    """cosine to the theme centroid"""
    typicality: float
    """its percentile among the theme's sentences by closeness to the centroid"""
    typical: str
    """typicality in words"""


@with_config(SECTION)
class PlaceCell(TypedDict):
    """A theme's claims from one place (null counts when fewer than 5 distinct speakers)."""

    place: str | None
    """the place (null: testimonies with no place)"""
    n_claims: int | None
    """claims"""
    n_testimonies: int | None
    """testimonies"""
    n_speakers: int | None
    """distinct speakers"""
    share_of_place: float | None
    """share of that place's claims that are in this theme"""
    suppressed: bool
    """fewer than 5 distinct speakers: counts and share are null"""


@with_config(SECTION)
class AttributeCell(TypedDict):
    """A theme's claims from speakers with one value of an attribute."""

    value: Any
    """the attribute's value (null: unknown)"""
    n_claims: int | None
    """claims"""
    n_testimonies: int | None
    """testimonies"""
    n_speakers: int | None
    """distinct speakers"""
    share_of_value: float | None
    """share of those speakers' claims that are in this theme"""
    suppressed: bool
    """fewer than 5 distinct speakers: counts and share are null"""


@with_config(SECTION)
class SaidBy(TypedDict):
    """A sentence that says the same as a candidate."""

    claim: str
    """claim id"""
    testimony: str
    """testimony id"""
    start: int
    """start offset"""
    end: int
    """end offset"""


@with_config(SECTION)
class Candidate(TypedDict):
    """A candidate statement: a whole sentence somebody said that stands alone."""

    id: str
    """its id (e.g. c0.1)"""
    text: str
    """the proposed wording"""
    length: int
    """its length in characters"""
    tidied: list[str]
    """the only changes made (a full stop added)"""
    quote: str
    """the exact span it comes from"""
    theme: int | str
    """its theme or sub-theme"""
    claim: str
    """claim id"""
    testimony: str
    """testimony id"""
    source: str
    """source id"""
    start: int
    """start offset"""
    end: int
    """end offset"""
    source_start: int | None
    """offset of the testimony in its file"""
    speaker: str | None
    """who said it"""
    place: str | None
    """where"""
    typicality: float
    """closeness to the theme centroid, as a percentile"""
    said_by: list[SaidBy]
    """every sentence, in any testimony of the same language, that says the same"""
    n_testimonies: int
    """testimonies that say it"""


@with_config(SECTION)
class Theme(TypedDict):
    """A theme (or sub-theme): its name, size, quality, quotes, breakdowns and candidates."""

    id: int | str
    """an int for themes, "T.S" for sub-themes"""
    label: str
    """its name: a short phrase from its own sentences"""
    keywords: list[Keyword]
    """its distinctive phrases"""
    language: str
    """the language it was found in"""
    language_name: str
    """that language's name"""
    size: int
    """claims"""
    share: float
    """of all claims"""
    n_testimonies: int
    """testimonies it draws on"""
    n_speakers: int
    """distinct speakers"""
    coherence: float | None
    """mean cosine of its sentences to their centroid"""
    margin: float | None
    """how much nearer its sentences are to their own centroid than to the nearest sibling's"""
    sure: str
    """the margin in words"""
    testimonies: list[str]
    """ids of the testimonies it draws on"""
    claims: list[str]
    """ids of its claims"""
    quotes: list[Quote]
    """representative verbatim quotes (at most 5, one per testimony)"""
    subthemes: list[Theme]
    """sub-themes (same shape; their own `subthemes` are empty)"""
    by_place: list[PlaceCell]
    """claims per place"""
    by_attribute: dict[str, list[AttributeCell]]
    """claims per value of each speaker attribute"""
    candidates: list[Candidate]
    """candidate statements (at most 3)"""


@with_config(SECTION)
class OtherExample(TypedDict):
    """A claim in "other"."""

    claim: str
    """claim id"""
    testimony: str
    """testimony id"""
    text: str
    """its text"""


@with_config(SECTION)
class Other(TypedDict):
    """Sentences too short to theme, or in themes too rare to stand on their own."""

    label: str
    """what "other" means, in words"""
    size: int
    """claims"""
    share: float
    """of all claims"""
    chatter: int
    """claims that are chatter ("I agree", self-descriptions)"""
    claims: list[str]
    """their ids"""
    examples: list[OtherExample]
    """up to 10 of them"""


@with_config(SECTION)
class ThemesSection(TypedDict):
    """`themes`: people's own words grouped into themes, with verbatim quotes and candidate statements
    (docs/listening.md). `null` when no testimony was analysed."""

    schema: Literal["voxpop.themes"]
    """the section's schema name"""
    schema_version: int
    """2"""
    meta: ThemesMeta
    """about the listening run"""
    sources: list[Source]
    """the input files"""
    testimonies: list[Testimony]
    """every testimony"""
    claims: list[Claim]
    """every sentence"""
    themes: list[Theme]
    """themes, largest first"""
    other: Other
    """sentences that are in no theme"""
