"""Colours and marker shapes for opinion groups, and the vote colours.

Groups are told apart by colour AND shape AND letter (WCAG 1.4.1: never colour alone). Every group
colour has at least 3:1 contrast on white (WCAG 1.4.11, graphics); `ink` is a darker variant with at
least 4.5:1 for text. Colours follow the Okabe-Ito colour-blind-safe set, darkened where needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from voxpop.i18n import N_

# (fill for marks, ink for text on white)
_COLOURS = [
    ("#0072B2", "#0072B2"),  # blue
    ("#D55E00", "#A94700"),  # vermillion
    ("#009E73", "#007A5A"),  # bluish green
    ("#CC79A7", "#A8427E"),  # reddish purple
    ("#8A6100", "#8A6100"),  # ochre
    ("#6A3D9A", "#6A3D9A"),  # purple
    ("#0E7C7B", "#0E7C7B"),  # teal
    ("#595959", "#595959"),  # grey
]
SHAPES = ["circle", "square", "triangle", "diamond", "triangle-down", "plus", "hexagon", "ring"]
# shape names are translated where they are shown (N_ marks them for the catalogs)
SHAPE_NAMES = {
    "circle": N_("circles"), "square": N_("squares"), "triangle": N_("triangles"), "diamond": N_("diamonds"),
    "triangle-down": N_("down triangles"), "plus": N_("crosses"), "hexagon": N_("hexagons"), "ring": N_("rings"),
}

AGREE = "#1A7F4B"      # white text on it: 5.0:1
DISAGREE = "#B2182B"   # white text on it: 6.9:1, drawn hatched so it differs from agree without colour
PASS = "#D0D0D0"       # black text on it: 13:1
OUTLINE = "#505050"    # bar outlines and axes: 8:1 on white
UNGROUPED = "#8C8C8C"


@dataclass(frozen=True)
class GroupStyle:
    letter: str
    colour: str
    ink: str
    shape: str

    @property
    def shape_name(self) -> str:
        return SHAPE_NAMES[self.shape]


def letter(index: int) -> str:
    """Pol.is-style group letters: A..Z, then AA, AB, ..."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def group_style(index: int) -> GroupStyle:
    colour, ink = _COLOURS[index % len(_COLOURS)]
    # shift the shape cycle once colours wrap, so (colour, shape) pairs stay unique for 64 groups
    shape = SHAPES[(index + index // len(_COLOURS)) % len(SHAPES)]
    return GroupStyle(letter(index), colour, ink, shape)


def _f(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def glyph(shape: str, r: float) -> str:
    """Path data for a marker of radius ~r, relative to the current point (prefix it with `M x y`)."""
    f = _f
    if shape in ("circle", "ring"):
        return f"m{f(-r)} 0a{f(r)} {f(r)} 0 1 0 {f(2 * r)} 0a{f(r)} {f(r)} 0 1 0 {f(-2 * r)} 0z"
    if shape == "square":
        s = r * 0.9
        return f"m{f(-s)} {f(-s)}h{f(2 * s)}v{f(2 * s)}h{f(-2 * s)}z"
    if shape in ("triangle", "triangle-down"):
        R = r * 1.3
        sign = -1 if shape == "triangle" else 1
        return f"m0 {f(sign * R)}l{f(0.866 * R)} {f(-sign * 1.5 * R)}h{f(-1.732 * R)}z"
    if shape == "diamond":
        d = r * 1.3
        return f"m0 {f(-d)}l{f(d)} {f(d)}l{f(-d)} {f(d)}l{f(-d)} {f(-d)}z"
    if shape == "plus":
        w, L = r * 0.45, r * 1.25
        a = L - w
        return (f"m{f(-w)} {f(-L)}h{f(2 * w)}v{f(a)}h{f(a)}v{f(2 * w)}h{f(-a)}v{f(a)}h{f(-2 * w)}"
                f"v{f(-a)}h{f(-a)}v{f(-2 * w)}h{f(a)}z")
    if shape == "hexagon":
        R = r * 1.1
        return (f"m{f(-R)} 0l{f(R / 2)} {f(-0.866 * R)}h{f(R)}l{f(R / 2)} {f(0.866 * R)}"
                f"l{f(-R / 2)} {f(0.866 * R)}h{f(-R)}z")
    raise ValueError(f"unknown marker shape {shape!r}; use one of {SHAPES}")


def fill_attrs(style: GroupStyle) -> str:
    """SVG presentation attributes for a group's marks (rings are hollow)."""
    if style.shape == "ring":
        return f'fill="none" stroke="{style.colour}" stroke-width="1.4"'
    return f'fill="{style.colour}"'
