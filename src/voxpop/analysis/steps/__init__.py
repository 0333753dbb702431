"""Analysis steps: each analysis of a conversation is a `Step` in a registry (`base.py`).

Importing this package registers the built-in steps, in this order (a step also runs after what it
needs): groups, statistics, divisive, bridging, common_ground, places. A new analysis is one module here
(or anywhere) with a `Step` and `register(step)`, imported below; docs/architecture.md says more.
"""

from __future__ import annotations

# the built-in steps register themselves on import, in this order
# isort: off
from . import groups  # noqa: F401
from . import statistics  # noqa: F401
from . import divisive  # noqa: F401
from . import bridging  # noqa: F401
from . import common_ground  # noqa: F401
from . import places  # noqa: F401
# isort: on
from .base import INPUTS, REGISTRY, Context, Registry, Section, Step, StepError, register, unregister
from .compose import run_steps
from .places import PlacesInput

__all__ = ["INPUTS", "REGISTRY", "Context", "PlacesInput", "Registry", "Section", "Step", "StepError", "register",
           "run_steps", "unregister"]
