"""An analysis step and the registry of steps.

A step is one analysis of a conversation: the groups on the map, the Pol.is statistics, bridging,
divisiveness, common ground, places, and whatever comes next. It says

* `name`: how other steps refer to it (and the progress stage it reports);
* `needs`: what it needs before it can run: other steps' names, or inputs the caller may give
  (`INPUTS`, e.g. "place_registry" when `analyze(conv, places=registry)`); a step whose needs are missing is
  skipped and the document keeps its defaults;
* `fills`: the parts of the analysis document it fills (`docs/analysis-schema.md`), as paths: "divisive"
  (a top-level key), "meta.k" (a key inside one), "statements[].divisiveness" (one value per statement,
  in `conv.statement_ids` order; also "participants[].x" and "groups[].representative");
* `timing`: its key in `meta.timings` (several steps may share one: their times add up);
* `run(ctx) -> Section`: the work. It reads the `Context` (the conversation, its vote matrix, the
  engine's groups, what earlier steps left, the document so far) and returns its section; it never
  writes into the document itself.

Adding an analysis is one module with a `Step` and one `register(step)`: see
`voxpop.analysis.steps.divisive` for a small example and docs/architecture.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voxpop.analysis.document import TOP_N, floats
from voxpop.conversation import Conversation
from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.pipeline import EngineOptions, EngineResult

# what a caller of analyze() can give beyond the conversation; a step may need these by name
INPUTS = {
    "votes": "the conversation and its vote matrix (always there)",
    "place_registry": "a place registry and its settings: analyze(conv, places=registry, ...)",
}
ROWS = ("statements", "participants", "groups")  # the lists a "rows[].field" path fills column-wise
_PATH = re.compile(r"^(?:(?P<rows>statements|participants|groups)\[\]\.)?[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$")


class StepError(ValueError):
    """A step is declared or behaves wrongly: the message names the step and what to fix."""


@dataclass
class Section:
    """What a step returns. `values`: fill path -> value (a list with one value per row for "rows[].field"
    paths); `data`: anything later steps need from this one (`ctx.results[name]`); `timings`: the step's
    time split over several `meta.timings` keys, when it wants that (otherwise its whole time goes to
    `Step.timing`)."""

    values: dict[str, Any]
    data: Any = None
    timings: dict[str, float] | None = None


@dataclass
class Context:
    """What a step can read. `document` is the document so far: read it, never write it."""

    conv: Conversation
    matrix: VoteMatrix
    excluded: np.ndarray  # bool per statement: moderated out or meta (zeroed in the math)
    options: EngineOptions
    inputs: Mapping[str, Any]
    document: Mapping[str, Any]
    results: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str, float], None] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def groups(self) -> EngineResult:
        """The engine's map and groups (the "groups" step's result)."""
        result = self.results.get("groups")
        if not isinstance(result, EngineResult):
            raise StepError("this step reads the groups: add 'groups' to its needs")
        return result

    def seen(self) -> np.ndarray:
        """bool per statement: somebody voted on it."""
        if "_seen" not in self._cache:
            self._cache["_seen"] = np.bincount(self.matrix.cols, minlength=self.matrix.n_cols) > 0
        return self._cache["_seen"]

    def per_statement(self, values: Any, digits: int = 6) -> list:
        """One JSON number per statement (`statements[].field`): rounded, null where nobody voted or not finite."""
        out = floats(values, digits)
        return [v if s else None for v, s in zip(out, self.seen().tolist(), strict=True)]

    def ranked(self, values: Any, top: int = TOP_N) -> list[str]:
        """Statement ids by value, highest first: the `top` first among statements that are voted on and not
        moderated out or meta (ties keep statement order)."""
        v = np.asarray(values, dtype=np.float64)
        ok = np.flatnonzero(~self.excluded & self.seen() & np.isfinite(v))
        order = ok[np.argsort(-v[ok], kind="stable")][:top]
        sids = self.conv.statement_ids
        return [sids[j] for j in order.tolist()]


@dataclass(frozen=True)
class Step:
    name: str
    needs: tuple[str, ...]
    fills: tuple[str, ...]
    timing: str
    run: Callable[[Context], Section]
    when: Callable[[Context], bool] | None = None  # run only when this says so (e.g. an option is on)
    description: str = ""

    def __post_init__(self) -> None:
        where = f"analysis step {self.name!r}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name or ""):
            raise StepError(f"{where}: a name is lower-case letters, digits and _ (e.g. 'divisive')")
        for attr in ("needs", "fills"):
            if not isinstance(getattr(self, attr), tuple):
                raise StepError(f"{where}: {attr} must be a tuple of strings, e.g. ('groups',)")
        if not self.fills:
            raise StepError(f"{where}: fills nothing; name the document parts it fills, e.g. ('divisive',)")
        for path in self.fills:
            if not isinstance(path, str) or not _PATH.match(path):
                raise StepError(f"{where}: {path!r} is not a document path; use 'key', 'key.sub' or "
                                f"'statements[].field' (rows: {', '.join(ROWS)})")
        if not re.fullmatch(r"[a-z][a-z0-9_]*_s", self.timing or ""):
            raise StepError(f"{where}: its timing key {self.timing!r} must end in '_s' (seconds), e.g. 'stats_s'")
        if not callable(self.run):
            raise StepError(f"{where}: run must be a function taking a Context and returning a Section")


class Registry:
    """The steps an analysis runs, in registration order (a step runs after the steps it needs)."""

    def __init__(self, steps: tuple[Step, ...] = ()) -> None:
        self._steps: dict[str, Step] = {}
        for step in steps:
            self.register(step)

    def register(self, step: Step) -> Step:
        if not isinstance(step, Step):
            raise StepError(f"register() takes a Step, got {type(step).__name__}")
        if step.name in INPUTS:
            raise StepError(f"analysis step {step.name!r}: that is the name of an input ({INPUTS[step.name]}); "
                            "pick another name")
        if step.name in self._steps:
            raise StepError(f"an analysis step named {step.name!r} is already registered; pick another name "
                            "or unregister the old one first")
        owners = {path: s.name for s in self._steps.values() for path in s.fills}
        for path in step.fills:
            if path in owners:
                raise StepError(f"analysis step {step.name!r}: {path!r} is already filled by step "
                                f"{owners[path]!r}; fill a part of the document of its own")
        self._steps[step.name] = step
        return step

    def unregister(self, name: str) -> Step:
        try:
            return self._steps.pop(name)
        except KeyError:
            raise StepError(f"no analysis step named {name!r} (registered: {', '.join(self._steps)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._steps

    def __iter__(self) -> Iterator[Step]:
        return iter(self.ordered())

    def names(self) -> list[str]:
        return [s.name for s in self.ordered()]

    def ordered(self) -> list[Step]:
        """Every step after the steps it needs (otherwise registration order); unknown needs are an error."""
        steps = self._steps
        for s in steps.values():
            unknown = [n for n in s.needs if n not in steps and n not in INPUTS]
            if unknown:
                raise StepError(f"analysis step {s.name!r} needs {', '.join(map(repr, unknown))}, which is neither "
                                f"a registered step ({', '.join(steps)}) nor an input ({', '.join(INPUTS)})")
        out: list[Step] = []
        state: dict[str, int] = {}  # 1 = visiting, 2 = done

        def visit(s: Step, chain: tuple[str, ...]) -> None:
            if state.get(s.name) == 2:
                return
            if state.get(s.name) == 1:
                raise StepError(f"analysis steps need each other in a circle: {' -> '.join(chain + (s.name,))}")
            state[s.name] = 1
            for n in s.needs:
                if n in steps:
                    visit(steps[n], chain + (s.name,))
            state[s.name] = 2
            out.append(s)

        for s in steps.values():
            visit(s, ())
        return out


REGISTRY = Registry()


def register(step: Step) -> Step:
    """Add a step to the analysis every `analyze()` runs. Returns the step."""
    return REGISTRY.register(step)


def unregister(name: str) -> Step:
    """Remove a registered step (e.g. a test's own step when the test ends). Returns it."""
    return REGISTRY.unregister(name)
