"""Small geometry helpers shared by the layout readers (PDF tables, OCR grids)."""
from __future__ import annotations


def cluster_positions(values: list[float], tolerance: float) -> list[float]:
    """Sorted values with near-equal ones (neighbours within `tolerance`) collapsed to their
    mean: the distinct edges of a table drawn with slightly ragged lines."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tolerance:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]
