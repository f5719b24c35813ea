"""Pure helpers: percentiles, the figures and their Markdown table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Figure:
    """One row of the results table."""

    name: str
    value: str
    target: str = ""  # the limit or target it is compared with
    ratio: float | None = None  # value / limit (or limit / value for times), when meaningful
    met: bool | None = None  # None: informative figure, no target
    load: float | None = None  # 1-minute load average when it was measured


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(figures: Sequence[Figure]) -> str:
    lines = [
        "| figure | value | limit / target | ratio | met? | load |",
        "|---|---:|---|---:|:---:|---:|",
    ]
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        load = "" if f.load is None else f"{f.load:.2f}"
        lines.append(
            f"| {_cell(f.name)} | {_cell(f.value)} | {_cell(f.target)} | {ratio} | {met} | {load} |"
        )
    return "\n".join(lines)
