"""The bridging step: statements liked across the opinion space (`voxpop.engine.bridging`, a matrix
factorisation as in Community Notes). Runs when `EngineOptions.bridging` is on."""

from __future__ import annotations

from voxpop.engine.bridging import fit_bridging

from .base import Context, Section, Step, register


def run(ctx: Context) -> Section:
    history = ctx.inputs.get("history")  # a warm start from the previous fit, when the caller kept it
    fit = fit_bridging(ctx.matrix, seed=ctx.options.seed, start=getattr(history, "bridging", None))
    return Section({
        "statements[].bridging": ctx.per_statement(fit.statement_intercept),
        "statements[].bridging_factor": ctx.per_statement(fit.statement_factor[:, 0]),
        "bridging": ctx.ranked(fit.statement_intercept),
    }, data=fit)


STEP = register(Step(
    name="bridging", needs=("groups",), timing="bridging_s", run=run, when=lambda ctx: ctx.options.bridging,
    fills=("statements[].bridging", "statements[].bridging_factor", "bridging"),
    description="statements people on both sides of the map support (bridging intercept)",
))
