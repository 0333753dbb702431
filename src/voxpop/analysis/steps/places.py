"""The places step: weighted support, breakdowns by place and group, coverage (`voxpop.places.analysis`).

Runs when the caller gives a place registry: `analyze(conv, places=PlaceRegistry, participant_places=...,
policy=..., min_cell=..., margins=...)`; the JSON shape is docs/places.md."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from voxpop.conversation import Conversation
from voxpop.places.analysis import section as places_section
from voxpop.places.registry import PlaceRegistry

from .base import Context, Section, Step, register


@dataclass(frozen=True)
class PlacesInput:
    """ctx.inputs["place_registry"]: the registry and how to weight and suppress."""

    registry: PlaceRegistry
    participant_places: dict[str, Any] | None = None
    policy: str = "population"
    min_cell: int = 5
    margins: dict[str, dict[str, float]] | None = None


def with_places(conv: Conversation, participant_places: dict[str, Any]) -> Conversation:
    """A copy of conv that knows each participant's place (and strata); the caller's conv is untouched.
    Values are a place id, or (place id or None, {stratum: value}) as voxpop.places.io reads them."""
    place, strata = dict(conv.participant_place), dict(conv.participant_strata)
    for pid, value in participant_places.items():
        where, extra = value if isinstance(value, tuple) else (value, {})
        if where is not None:
            place[pid] = where
        if extra:
            strata[pid] = extra
    return replace(conv, participant_place=place, participant_strata=strata)


def run(ctx: Context) -> Section:
    given: PlacesInput = ctx.inputs["place_registry"]
    conv = with_places(ctx.conv, given.participant_places) if given.participant_places else ctx.conv
    out = places_section(ctx.document, conv, given.registry, policy=given.policy, min_cell=given.min_cell,
                         margins=given.margins, matrix=ctx.matrix)
    return Section({"places": out.places, "statements[].support": out.support, "participants[].place": out.place})


STEP = register(Step(name="places", needs=("groups", "place_registry"), timing="places_s", run=run,
                     fills=("places", "statements[].support", "participants[].place"),
                     description="support weighted to the population of places, and breakdowns by place"))
