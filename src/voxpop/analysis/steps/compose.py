"""Run the registered analysis steps over a document: each step's section goes into its place."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .base import _PATH, INPUTS, Context, Registry, Section, Step, StepError

Progress = Callable[[str, float], None]
START, END = 0.6, 1.0  # progress fractions over the steps after the groups (the engine reports up to 0.6)


def run_steps(registry: Registry, ctx: Context, document: dict, timings: dict[str, float],
              progress: Progress | None = None) -> list[str]:
    """Run every step whose needs are met, in order, filling `document` and adding to `timings`.
    `progress(name, fraction)` after each step, and ("done", 1.0) at the end.
    Returns the names of the steps that ran. A step's exceptions propagate (TooFewVotes from the groups
    means there is nothing to analyse yet)."""
    done = {"votes"} | {name for name in INPUTS if ctx.inputs.get(name) is not None}
    steps = registry.ordered()
    ran: list[str] = []
    for i, step in enumerate(steps):
        if any(n not in done for n in step.needs) or (step.when is not None and not step.when(ctx)):
            continue
        t = time.perf_counter()
        try:
            section = step.run(ctx)
        except Exception as e:  # keep the type (callers catch TooFewVotes, InputError, ...); say where
            e.add_note(f"(in the analysis step {step.name!r})")
            raise
        elapsed = time.perf_counter() - t
        _merge(step, section, document)
        split = dict(section.timings or {})
        rest = elapsed - sum(split.values())
        split[step.timing] = split.get(step.timing, 0.0) + max(rest, 0.0)
        for key, seconds in split.items():
            timings[key] = timings.get(key, 0.0) + seconds
        ctx.results[step.name] = section.data
        done.add(step.name)
        ran.append(step.name)
        if progress is not None and step.name != "groups":
            progress(step.name, START + (END - START) * (i + 1) / len(steps))
    if progress is not None:
        progress("done", END)
    return ran


def _merge(step: Step, section: Any, document: dict) -> None:
    where = f"analysis step {step.name!r}"
    if not isinstance(section, Section):
        raise StepError(f"{where} returned {type(section).__name__}; return a Section({{path: value}})")
    extra = [p for p in section.values if p not in step.fills]
    if extra:
        raise StepError(f"{where} returned {', '.join(map(repr, extra))}, which it does not declare; "
                        f"add them to its fills (it fills {', '.join(step.fills)})")
    for path, value in section.values.items():
        match = _PATH.match(path)
        assert match is not None  # Step checked its fills
        rows = match.group("rows")
        if rows is None:
            _set(document, path, value, where)
            continue
        items = document.get(rows)
        if not isinstance(items, list):
            raise StepError(f"{where}: {path!r} needs the document's {rows!r} list, which is not there yet; "
                            f"add the step that fills {rows!r} to its needs")
        if not isinstance(value, list | tuple) or len(value) != len(items):
            got = f"{len(value)} values" if isinstance(value, list | tuple) else type(value).__name__
            raise StepError(f"{where}: {path!r} needs a list with one value per item of {rows!r} "
                            f"({len(items)}), got {got}")
        field = path.split("].", 1)[1]
        if "." not in field:  # the usual case, one plain key per row: no per-row parsing
            for item, v in zip(items, value, strict=True):
                item[field] = v
            continue
        for item, v in zip(items, value, strict=True):
            _set(item, field, v, where)


def _set(target: dict, dotted: str, value: Any, where: str) -> None:
    keys = dotted.split(".")
    for key in keys[:-1]:
        nxt = target.setdefault(key, {})
        if not isinstance(nxt, dict):
            raise StepError(f"{where}: cannot fill {dotted!r}: {key!r} is not an object in the document")
        target = nxt
    target[keys[-1]] = value
