"""One JSON document describes one analysis of one conversation. The CLI (`voxpop analyze --json`) and
the server (`GET /api/v1/conversations/{id}/analysis`) produce exactly this shape; the HTML report and
the pages are drawn from it. Its JSON Schema is served at `GET /api/v1/schema/analysis`.

Conventions: ids are strings exactly as given by the source (group ids are integers); votes use +1 agree,
-1 disagree, 0 pass; shares are fractions in [0, 1]; `null` means "not computed / not applicable"; keys
are never dropped.

## Rules every producer keeps

- **Order.** `participants` follow the conversation's row order: arrival order (first vote time, as a
  live Pol.is matrix grows) whenever the votes have times; for a Pol.is `participants-votes.csv` alone,
  its own row order (docs/departures.md); `statements` follow the conversation's statement order (Pol.is:
  ascending comment-id; plain CSV: the `--statements` file's order, then first appearance in the votes).
  Every statement of the conversation is listed, also those nobody voted on (their engine values are
  `null`).
- **Counts.** `votes` counts distinct (participant, statement) cells after "latest vote wins";
  `participants[*].votes` counts a participant's cells (passes and moderated-out statements included,
  as Pol.is's in-conv rule does); `n_seen` includes passes; `by_group` counts grouped participants only.
- **Groups.** `group` is `null` for participants not in the conversation (fewer than min(7, n-cmts)
  votes after Pol.is's top-15 fill). `groups[*].representative` is Pol.is repness: at most 5 per
  group, agrees first; `n_agree` / `n_disagree` / `n_seen` are the group's counts.
- **Ranked lists** (`group_informed_consensus`, `bridging`, `divisive`) hold at most 20 statement ids,
  best first, and never a moderated-out or meta statement, a statement with no votes, or one whose score
  is `null` (bridging needs 5 agree/disagree votes). `consensus` holds at most 5 per side.
- **Common ground** (`common_ground`) is what the words mean to a reader: a statement that a majority of
  every opinion group backs on the same side, counting a group's agree/disagree votes only (passes are not
  a side) and only groups with at least 5 of them on that statement; at least two groups must count. It
  differs from Pol.is's `consensus` (statements most people agree with overall, which one large group can
  carry alone), which the pages call "most people, overall". `splits` lists statements where one counted
  group has a majority agreeing and another a majority disagreeing. Both are computed from `by_group` by
  `voxpop.analysis.common_ground` (readers of older documents compute them the same way); at most 20 each.
- **Numbers** are plain JSON: no NaN or infinity (`null` instead); floats rounded to 6 decimals (map
  coordinates to 5).
- **Too few votes.** When the engine cannot analyse yet, `meta.status` is `"too_few_votes"`, `meta.message`
  says why in a sentence, `k`/`k_range` are `null`, `groups` and the ranked lists are empty, participants'
  `group`/`x`/`y` are `null`, and statements keep their counts with `null` engine values.
- **Extending.** New keys may be added (readers must ignore keys they do not know); existing keys are
  never renamed or dropped within a schema version.

Field-by-field definitions of the statistics, and every departure from Pol.is, are in
`docs/departures.md`; places in `docs/places.md`; themes in `docs/listening.md`.

Producers and checks: `voxpop.analysis.run.analyze(conv, ...)` builds the document, and
`voxpop.analysis.schema.validate(doc)` (also `voxpop.analysis.document.validate_document`) raises
`DocumentError` listing every missing key, wrong type or non-strict-JSON value; the server, `voxpop analyze`
and `voxpop listen` run it on every new document before storing or writing it (lists longer than 2,000
items are checked on their first and last 1,000: bench/document_check.py). The types below are
`TypedDict`s: a document is a plain JSON object, and a reader that holds an `AnalysisDocument` gets every
key below checked by mypy.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, cast

from pydantic import TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from voxpop.analysis.schema_places import SECTION, PlacesSection, Support
from voxpop.analysis.schema_themes import ThemesSection

SCHEMA = "voxpop.analysis"
SCHEMA_VERSION = 1
SCHEMA_URL = "/api/v1/schema/analysis"  # where the server publishes json_schema()

Direction = Literal["agree", "disagree"]


class DocumentError(ValueError):
    """The document does not follow docs/analysis-schema.md; the message lists every problem."""


@with_config(SECTION)
class ConversationRef(TypedDict):
    """Which conversation was analysed."""

    id: str
    """the conversation's id (the export folder or file name for the CLI)"""
    title: str
    """its title"""
    source: str
    """where its votes came from: a path, or db"""


@with_config(SECTION)
class Counts(TypedDict):
    """How much there was to analyse."""

    participants: int
    """participants (rows of the vote matrix)"""
    statements: int
    """statements, also those nobody voted on"""
    votes: int
    """distinct (participant, statement) cells after latest vote wins"""
    participants_in_conversation: int
    """participants with enough votes to be placed in a group"""
    statements_moderated_out: int
    """statements moderated out"""
    statements_meta: int
    """meta statements (about the conversation itself)"""
    votes_in_log: NotRequired[int]
    """vote rows before latest vote wins"""
    statements_with_votes: NotRequired[int]
    """statements with at least one vote (Pol.is n-cmts)"""


@with_config(SECTION)
class Meta(TypedDict):
    """About the analysis: what was analysed, how, and how long it took."""

    schema: Literal["voxpop.analysis"]
    """the document's schema name"""
    schema_version: int
    """1; bumped only when a key is renamed or dropped"""
    generated_at: str
    """when, UTC, e.g. 2026-11-25T16:00:00Z"""
    voxpop_version: str
    """the voxpop version that made it"""
    conversation: ConversationRef
    """which conversation"""
    counts: Counts
    """how much there was"""
    k: int | None
    """the number of opinion groups (null when status is not "ok")"""
    k_range: list[int] | None
    """[smallest, largest] number of groups tried"""
    seed: int | None
    """the seed: results are deterministic for a seed"""
    status: Literal["ok", "too_few_votes"]
    """ok, or too_few_votes (then groups and the map are empty or null)"""
    message: str | None
    """why, in a sentence, when status is not ok"""
    options: dict[str, Any]
    """engine options used, and "history": "cold", "cold, in-conversation replayed from vote times",
    "replay" (with replay_window_s, replay_steps, replay_s) or "warm, update N" (updated from
    the previous analysis, N analyses folded in); analyses by the worker add "snapshot": {"loaded": "everything" or
    "the votes cast since the previous analysis", "votes_read", "refreshes"}"""
    timings: dict[str, float | None]
    """seconds per stage: load_s, matrix_s, pca_s, cluster_s, stats_s, bridging_s, places_s, total_s,
    and possibly more *_s keys (document_s)"""
    silhouette: NotRequired[dict[str, float | None]]
    """silhouette of each number of groups tried ({} when status is not "ok")"""


@with_config(SECTION)
class Participant(TypedDict):
    """One participant: their group, their place on the map, how much they voted."""

    id: str
    """the participant's id"""
    group: int | None
    """their opinion group (null when not in the conversation)"""
    x: float | None
    """map position (null when too few votes)"""
    y: float | None
    """map position"""
    votes: int
    """their votes (distinct statements)"""
    in_conversation: bool
    """enough votes to be placed in a group"""
    place: str | None
    """their place, coarsened so that no small place is revealed (docs/places.md); null without places"""
    reference_group: int | None
    """the group a source assigned (Pol.is export group-id), for comparison"""


@with_config(SECTION)
class Representative(TypedDict):
    """A statement that sets a group apart (Pol.is repness)."""

    statement: str
    """statement id"""
    direction: Direction
    """the side the group takes"""
    n_agree: int
    """agree votes within the group"""
    n_disagree: int
    """disagree votes within the group"""
    n_seen: int
    """votes within the group (passes included)"""
    p: float | None
    """share on that side (with a +1/+2 prior)"""
    p_test: float | None
    """z-test of p"""
    r: float | None
    """ratio against the other groups"""
    r_test: float | None
    """z-test of r"""
    repness: float | None
    """Pol.is representativeness"""
    best_agree: bool
    """the group's best agree statement"""


@with_config(SECTION)
class Group(TypedDict):
    """One opinion group."""

    id: int
    """group id, from 0"""
    size: int
    """members"""
    center: list[float | None]
    """[x, y] on the map"""
    representative: list[Representative]
    """what sets it apart: at most 5, agrees first"""


@with_config(SECTION)
class GroupVotes(TypedDict):
    """One group's votes on a statement."""

    group: int
    """group id"""
    n_agree: int
    """agree votes"""
    n_disagree: int
    """disagree votes"""
    n_pass: int
    """passes"""
    n_seen: int
    """votes (passes included)"""


@with_config(SECTION)
class StatementConsensus(TypedDict):
    """Why a statement is in Pol.is's consensus list."""

    direction: Direction
    """the side"""
    p: float | None
    """share on that side"""
    p_test: float | None
    """z-test of p"""


@with_config(SECTION)
class Statement(TypedDict):
    """One statement: its votes overall and per group, and its scores."""

    id: str
    """statement id"""
    text: str
    """its words ("" when moderated out)"""
    moderated_out: bool
    """moderated out: no score, in no ranked list"""
    meta: bool
    """a meta statement (about the conversation itself)"""
    n_agree: int
    """agree votes"""
    n_disagree: int
    """disagree votes"""
    n_pass: int
    """passes"""
    n_seen: int
    """votes (passes included)"""
    by_group: list[GroupVotes]
    """votes of each group (grouped participants only)"""
    consensus: StatementConsensus | None
    """its place in Pol.is's consensus, or null"""
    group_informed_consensus: float | None
    """Pol.is group-informed consensus"""
    bridging: float | None
    """matrix-factorisation statement intercept (no groups needed)"""
    bridging_factor: float | None
    """the statement's factor: its position on the divide"""
    divisiveness: float | None
    """spread of agreement across groups"""
    extremity: float | None
    """Pol.is comment extremity"""
    x: float | None
    """comment projection on the map"""
    y: float | None
    """comment projection on the map"""
    support: Support | None
    """with places: unweighted and weighted shares (docs/places.md); null without places"""


@with_config(SECTION)
class Consensus(TypedDict):
    """Pol.is consensus: statements most people agree (disagree) with overall, best first, at most 5 each."""

    agree: list[str]
    """statement ids"""
    disagree: list[str]
    """statement ids"""


@with_config(SECTION)
class GroupShare(TypedDict):
    """A counted group's agree/disagree votes on a statement."""

    group: int
    """group id"""
    n_agree: int
    """agree votes"""
    n_disagree: int
    """disagree votes"""
    agree: float
    """agree share of its agree/disagree votes"""


@with_config(SECTION)
class CommonGround(TypedDict):
    """A statement a majority of every counted group backs on the same side."""

    statement: str
    """statement id"""
    direction: Direction
    """the side"""
    floor: float
    """the weakest counted group's share on that side"""
    groups: list[GroupShare]
    """the counted groups"""
    too_few: list[int]
    """groups with fewer than 5 agree/disagree votes on it: they neither help nor block"""


@with_config(SECTION)
class Split(TypedDict):
    """A statement one counted group mostly agrees with and another mostly disagrees with."""

    statement: str
    """statement id"""
    gap: float
    """highest minus lowest agree share"""
    agree_group: int
    """the most agreeing group"""
    disagree_group: int
    """the least agreeing group"""
    groups: list[GroupShare]
    """the counted groups"""
    too_few: list[int]
    """groups too few to tell"""


@with_config(SECTION)
class AnalysisDocument(TypedDict):
    """The analysis document (schema voxpop.analysis, version 1)."""

    meta: Meta
    """about the analysis"""
    participants: list[Participant]
    """every participant, in the conversation's row order"""
    groups: list[Group]
    """opinion groups (empty when status is not "ok")"""
    statements: list[Statement]
    """every statement, in the conversation's statement order"""
    consensus: Consensus
    """Pol.is consensus, best first"""
    group_informed_consensus: list[str]
    """top statements by group-informed consensus, best first (at most 20)"""
    bridging: list[str]
    """top statements by bridging score, best first (at most 20)"""
    divisive: list[str]
    """most divisive statements first (at most 20)"""
    common_ground: NotRequired[list[CommonGround]]
    """a majority of every group on the same side, weakest group's share first (at most 20; documents
    from before it lack it: readers compute it with voxpop.analysis.common_ground.fill)"""
    splits: NotRequired[list[Split]]
    """one counted group mostly agrees, another mostly disagrees, widest gap first (at most 20)"""
    places: PlacesSection | None
    """filled by voxpop.places when places are given (docs/places.md), else null"""
    themes: ThemesSection | None
    """filled by voxpop.listen when testimony is analysed (docs/listening.md), else null"""


# ---- validation and the published JSON Schema -------------------------------------------------------

@functools.cache
def adapter() -> TypeAdapter[AnalysisDocument]:
    return TypeAdapter(AnalysisDocument)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the document, generated from the types above."""
    out: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    return out | adapter().json_schema()


def _sampled(value: Any, path: tuple, sample: int, cut: dict[tuple, int]) -> Any:
    """The value with every list longer than 2*sample cut to its first and last `sample` items (their
    lengths recorded in `cut`, so error positions can be mapped back)."""
    if isinstance(value, Mapping):
        return {k: _sampled(v, (*path, k), sample, cut) for k, v in value.items()}
    if isinstance(value, list):
        items = value
        if len(value) > 2 * sample:
            cut[path] = len(value)
            items = value[:sample] + value[-sample:]
        if items and not isinstance(items[0], Mapping | list):
            return items  # a list of plain values: nothing inside to cut
        return [_sampled(v, (*path, i), sample, cut) for i, v in enumerate(items)]
    return value


def _where(loc: tuple, sample: int, cut: dict[tuple, int], root: str = "document") -> str:
    out = root
    real: list[str | int] = []
    for part in loc:
        if isinstance(part, int):
            n = cut.get(tuple(real))
            if n is not None and part >= sample:
                part = part + n - 2 * sample
            out += f"[{part}]"
        else:
            out += f".{part}"
        real.append(part)
    return out


def _type_problems(checker: TypeAdapter, value: Any, root: str, sample: int) -> list[str]:
    """How `value` departs from `checker`'s type (at most 20), as "root.path: what is wrong"."""
    cut: dict[tuple, int] = {}
    try:
        checker.validate_python(_sampled(value, (), sample, cut))
    except ValidationError as e:
        found = []
        for err in e.errors()[:20]:
            what = "missing" if err["type"] == "missing" else err["msg"]
            got = "" if err["type"] == "missing" else f", got {type(err['input']).__name__}"
            found.append(f"{_where(tuple(err['loc']), sample, cut, root)}: {what}{got}")
        return found
    return []


def problems(doc: Any, *, sample: int = 1000, strict_json: bool = True) -> list[str]:
    """Every way `doc` departs from the schema (at most 20), as "document.path: what is wrong". Lists
    longer than 2 * `sample` are checked on their first and last `sample` items. `strict_json` also
    encodes the whole document once to find a NaN anywhere (skip it when the caller encodes it strictly
    anyway)."""
    found = _type_problems(adapter(), doc, "document", sample)
    if found:
        return found
    meta = doc["meta"]
    if meta["schema_version"] != SCHEMA_VERSION:
        found.append(f"document.meta: not a {SCHEMA} v{SCHEMA_VERSION} document")
    if meta["status"] != "ok" and not meta["message"]:
        found.append("document.meta.message: needed when status is not 'ok'")
    ids = {s["id"] for s in doc["statements"]}
    for key in ("group_informed_consensus", "bridging", "divisive"):
        found += [f"document.{key}: unknown statement {s!r}" for s in doc[key] if s not in ids][:3]
    if strict_json:
        try:
            json.dumps(doc, allow_nan=False)
        except (TypeError, ValueError) as e:
            found.append(f"document: not strict JSON ({e})")
    return found


def validate(doc: Any, *, sample: int = 1000, strict_json: bool = True) -> AnalysisDocument:
    """`doc` as an AnalysisDocument, or DocumentError naming every problem (see `problems`)."""
    found = problems(doc, sample=sample, strict_json=strict_json)
    if found:
        raise DocumentError("the analysis document is invalid:\n  " + "\n  ".join(found))
    return cast(AnalysisDocument, doc)


@functools.cache
def themes_adapter() -> TypeAdapter[ThemesSection]:
    return TypeAdapter(ThemesSection)


def themes_problems(section: Any, *, sample: int = 1000) -> list[str]:
    """Every way a themes section (voxpop.listen's output, stored on its own by a listening job) departs
    from ThemesSection, as "themes.path: what is wrong" (at most 20); also a NaN anywhere."""
    found = _type_problems(themes_adapter(), section, "themes", sample)
    if not found:
        try:
            json.dumps(section, allow_nan=False)
        except (TypeError, ValueError) as e:
            found.append(f"themes: not strict JSON ({e})")
    return found


def validate_themes(section: Any, *, sample: int = 1000) -> ThemesSection:
    """`section` as a ThemesSection, or DocumentError naming every problem (see `themes_problems`)."""
    found = themes_problems(section, sample=sample)
    if found:
        raise DocumentError("the themes section is invalid:\n  " + "\n  ".join(found))
    return cast(ThemesSection, section)


def stored(doc: Any) -> AnalysisDocument | None:
    """A document read back from the store, typed for its readers without checking it again: every
    document is validated before it is stored (voxpop.services.analyses.run_analysis). None stays None."""
    return cast(AnalysisDocument | None, doc)
