"""Types of the `places` section and of `statements[*].support` (filled by voxpop.places; docs/places.md).

Every figure here comes from the already-suppressed document: a cell of fewer than `min_cell` people is
`null` (or left out), never a small number.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

#: The configuration every section type shares: descriptions from the attribute docstrings below, no
#: silent coercion ("5" is not 5, true is not 1), and unknown keys allowed (readers ignore them).
SECTION = ConfigDict(use_attribute_docstrings=True, strict=True, extra="allow")

#: how many people, as a band that follows min_cell: "0", "<5" (1..min_cell-1) or "5+" (min_cell or more)
Band = Annotated[str, Field(pattern=r"^(0|<[0-9]+|[0-9]+\+)$")]
Policy = Literal["population", "equal", "sqrt"]


# "pass" is a Python keyword, so the two support blocks use TypedDict's functional form
UnweightedSupport = TypedDict("UnweightedSupport", {
    "n": Annotated[int, Field(description="participants who voted on it (agree + disagree + pass)")],
    "agree": Annotated[float | None, Field(description="share voting agree (null when suppressed)")],
    "agree_ci": Annotated[list[float | None] | None, Field(description="[low, high] interval of `agree`")],
    "disagree": Annotated[float | None, Field(description="share voting disagree (null when suppressed)")],
    "disagree_ci": Annotated[list[float | None] | None, Field(description="[low, high] interval of `disagree`")],
    "pass": Annotated[float | None, Field(description="share voting pass (null when suppressed)")],
    "pass_ci": Annotated[list[float | None] | None, Field(description="[low, high] interval of `pass`")],
    "suppressed": Annotated[bool, Field(description="true, and every share null, when n < min_cell")],
})
UnweightedSupport.__doc__ = "A statement's shares among everyone who voted on it (Wilson intervals)."
UnweightedSupport.__pydantic_config__ = SECTION  # type: ignore[attr-defined]

WeightedSupport = TypedDict("WeightedSupport", {
    "policy": Annotated[Policy, Field(description="the fairness policy of the weights")],
    "n": Annotated[int | None, Field(description="voters with a known place (weight > 0); null when below min_cell")],
    "n_effective": Annotated[float | None, Field(description="Kish effective n among them")],
    "agree": Annotated[float | None, Field(description="share voting agree (null when suppressed)")],
    "agree_ci": Annotated[list[float | None] | None, Field(description="[low, high] interval of `agree`")],
    "disagree": Annotated[float | None, Field(description="share voting disagree (null when suppressed)")],
    "disagree_ci": Annotated[list[float | None] | None, Field(description="[low, high] interval of `disagree`")],
    "pass": Annotated[float | None, Field(description="share voting pass (null when suppressed)")],
    "pass_ci": Annotated[list[float | None] | None, Field(description="[low, high] interval of `pass`")],
    "suppressed": Annotated[bool, Field(description="true, and every share null, when n < min_cell")],
})
WeightedSupport.__doc__ = ("A statement's shares weighted by the fairness policy (voters with a known place only; "
                           "Wilson intervals on the effective n).")
WeightedSupport.__pydantic_config__ = SECTION  # type: ignore[attr-defined]


@with_config(SECTION)
class Support(TypedDict):
    """`statements[*].support`: agree / disagree / pass shares, unweighted and weighted, with intervals
    (`null` when no places were given)."""

    policy: Policy
    """the fairness policy of `weighted`"""
    unweighted: UnweightedSupport
    """shares among everyone who voted on the statement"""
    weighted: WeightedSupport
    """shares weighted so that each place counts as the policy says"""


@with_config(SECTION)
class Interval(TypedDict):
    """How the intervals were computed."""

    level: float
    """confidence level, e.g. 0.95"""
    unweighted: str
    """method for unweighted shares ("wilson")"""
    weighted: str
    """method for weighted shares"""
    simultaneous: str
    """which families of cells have simultaneous (Šidák) intervals"""


@with_config(SECTION)
class PlaceRecord(TypedDict):
    """One place of the registry with its coverage (parents come before their children)."""

    id: str
    """the place id of the places file"""
    name: str
    """its name"""
    level: str
    """its level name (e.g. "region")"""
    depth: int
    """0 for a top-level place"""
    parent: str | None
    """the parent's id (null at the top)"""
    kind: str
    """kind of place ("unspecified" when the registry has none)"""
    population: float
    """its population (the sum of its children's when created from them)"""
    context: dict[str, float | None]
    """numeric context columns (e.g. leave_share)"""
    is_leaf: bool
    """true when it has no sub-places"""
    participants: int | None
    """participants placed here or below; null when 1..min_cell-1 (see participants_band)"""
    participants_band: Band
    """how many, as a band: 0, <5 (1..min_cell-1) or 5+; the number follows min_cell"""
    voices_per_100k: float | None
    """participants per 100,000 population (null when suppressed)"""
    target_share: float
    """the policy's share of the weighted total"""
    sample_share: float | None
    """share of placed participants (null when suppressed)"""
    coverage_ratio: float | None
    """sample_share / population share (1 = heard in proportion)"""


@with_config(SECTION)
class Collapsed(TypedDict):
    """An unheard leaf whose weighting target went to its parent."""

    place: str
    """the unheard place"""
    into: str | None
    """where its target went"""


@with_config(SECTION)
class WeightsSummary(TypedDict):
    """The weights: how many were weighted, effective sample size, trimming and raking margins."""

    policy: Policy
    """the fairness policy"""
    n: int
    """participants weighted (with a known place)"""
    n_without_place: int
    """participants with weight 0 (no place): in unweighted figures only"""
    ess: float
    """Kish effective sample size (Σw)² / Σw²"""
    design_effect: float | None
    """n / ess"""
    min: float | None
    """smallest weight"""
    max: float | None
    """largest weight"""
    trim_cap: float | None
    """weights are trimmed at this multiple of the mean weight"""
    n_trimmed: int
    """weights that were trimmed"""
    margins: list[dict[str, object]]
    """raking margins: {"name": "place", "cells": N} and the organiser's, with targets and achieved shares"""
    collapsed: list[Collapsed]
    """unheard leaves and where their target went"""


@with_config(SECTION)
class GroupSize(TypedDict):
    """An opinion group's unweighted and weighted size (null for a group of fewer than min_cell people)."""

    id: int
    """the group id (groups[*].id)"""
    size: int | None
    """its members"""
    share: float | None
    """its share of grouped participants"""
    weighted_share: float | None
    """its weighted share (null unless min_cell of its members have a place)"""
    weighted_share_ci: list[float | None] | None
    """[low, high] interval of `weighted_share`"""


@with_config(SECTION)
class WeightedConsensus(TypedDict):
    """Statements every group agrees (disagrees) with, weighted: lower bound of the worst group's share
    above 0.5, best first."""

    agree: list[str]
    """statement ids"""
    disagree: list[str]
    """statement ids"""


@with_config(SECTION)
class WeightedScore(TypedDict):
    """A statement's weighted group-informed consensus."""

    statement: str
    """statement id"""
    score: float
    """product over groups of the weighted agree share"""


@with_config(SECTION)
class Breakdowns(TypedDict):
    """Agree / disagree shares of every statement per place, per level and per kind of place, for everyone
    and for every group, as rows of `columns`: statement id; group (null = everyone); dimension ("place"
    or "kind"); level (the place's level name, null for kinds); cell (place id or kind); n; n_agree;
    n_disagree; n_pass; unweighted agree and disagree shares with intervals; w_* weighted shares;
    pooled_* partial-pooling estimates (null for kinds and groups)."""

    columns: list[str]
    """the names of the row values, in order"""
    rows: list[list[str | int | float | None]]
    """one row per shown cell (cells of fewer than min_cell voters are left out)"""
    suppressed: int
    """cells left out because they were too small"""


@with_config(SECTION)
class CoverageCell(TypedDict):
    """Coverage of one region (non-leaf level) or kind of place."""

    cell: str
    """place id or kind label"""
    name: str
    """its name"""
    population: float
    """population"""
    participants: int | None
    """participants (null when suppressed)"""
    participants_band: Band
    """how many, as a band: 0, <5 or 5+ (the number follows min_cell)"""
    voices_per_100k: float | None
    """participants per 100,000 population"""
    coverage_ratio: float | None
    """sample share / population share"""


@with_config(SECTION)
class NextPlace(TypedDict):
    """A place to go next: unheard first, then too few, then the most under-heard."""

    place: str
    """place id"""
    name: str
    """its name"""
    level: str
    """its level"""
    parent: str | None
    """its parent's id"""
    kind: str
    """its kind"""
    population: float
    """population"""
    participants: int | None
    """participants (null when suppressed)"""
    participants_band: Band
    """how many, as a band: 0, <5 or 5+ (the number follows min_cell)"""
    voices_per_100k: float | None
    """participants per 100,000 population"""
    coverage_ratio: float | None
    """sample share / population share"""
    status: Literal["not heard", "too few", "under-heard"]
    """why it is listed"""
    voices_needed: int | None
    """voices to reach its population share of the current total (null when its count is hidden)"""


@with_config(SECTION)
class Coverage(TypedDict):
    """Who has been heard, and where to go next."""

    population: float
    """total population of the leaves"""
    participants: int
    """placed participants"""
    voices_per_100k: float | None
    """placed participants per 100,000 population"""
    next: list[NextPlace]
    """where to go next"""
    by_level: dict[str, list[CoverageCell]]
    """each non-leaf level's places"""
    by_kind: list[CoverageCell]
    """each kind of place"""


@with_config(SECTION)
class CellRef(TypedDict):
    """A breakdown cell."""

    dimension: Literal["place", "kind"]
    """a place or a kind of place"""
    level: str | None
    """the place's level (null for kinds)"""
    cell: str
    """place id or kind"""


@with_config(SECTION)
class CellShare(TypedDict):
    """A breakdown cell and its weighted agree share."""

    dimension: Literal["place", "kind"]
    """a place or a kind of place"""
    level: str | None
    """the place's level (null for kinds)"""
    cell: str
    """place id or kind"""
    agree: float
    """weighted agree share"""


@with_config(SECTION)
class Everywhere(TypedDict):
    """A statement whose weighted share holds (lower bound > 0.5) in every region and kind of place."""

    statement: str
    """statement id"""
    direction: Literal["agree", "disagree"]
    """the side that holds everywhere"""
    worst: float
    """the lowest lower bound over the cells"""
    worst_share: float
    """that cell's share"""
    worst_cell: CellRef
    """that cell"""
    cells: int
    """cells counted"""


@with_config(SECTION)
class Divergent(TypedDict):
    """A statement on which regions / kinds of place diverge."""

    statement: str
    """statement id"""
    spread: float
    """highest minus lowest weighted agree share"""
    separated: bool
    """some cell's interval lies wholly above another's (the divergence is not noise)"""
    highest: CellShare
    """the most agreeing cell"""
    lowest: CellShare
    """the least agreeing cell"""


@with_config(SECTION)
class PlacesCommonGround(TypedDict):
    """Place-aware common ground (best first, at most 20 each)."""

    everywhere: list[Everywhere]
    """statements that hold in every region and kind of place"""
    divergent: list[Divergent]
    """statements on which places diverge most"""


@with_config(SECTION)
class PlacesSection(TypedDict):
    """`places`: the registry with coverage, the weights, weighted figures per place and group, and
    place-aware common ground (docs/places.md). `null` when no places were given."""

    policy: Policy
    """how much each place counts: population-proportional, equal per place, or square root"""
    policy_label: str
    """the policy in words"""
    min_cell: int
    """smallest cell shown; smaller cells are suppressed everywhere"""
    interval: Interval
    """how intervals were computed"""
    levels: list[str]
    """level names, outermost first"""
    kinds: list[str]
    """distinct kinds of place"""
    context_columns: list[str]
    """the registry's numeric context columns"""
    places: list[PlaceRecord]
    """every place of the registry, parents before children"""
    weights: WeightsSummary
    """the weights"""
    groups: list[GroupSize]
    """opinion groups, unweighted and weighted size"""
    consensus: WeightedConsensus
    """weighted consensus"""
    group_informed_consensus: list[WeightedScore]
    """weighted group-informed consensus, best first (the place-weighted stand-in for bridging)"""
    breakdowns: Breakdowns
    """shares per place, level and kind, for everyone and each group"""
    coverage: Coverage
    """who has been heard, and where to go next"""
    common_ground: PlacesCommonGround
    """place-aware common ground"""
