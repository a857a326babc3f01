"""The ruling steps (`extractors.rulings`) give what pdfplumber's table finder gives.

They are pdfplumber's `merge_edges`, `edges_to_intersections`, `intersections_to_cells` and
`cells_to_tables`, re-written with indexes; pdfplumber (still installed: it reads the files
PDFium refuses) is the oracle, on the rulings of real report pages and on generated grids
with merged cells, jittered and broken lines, and several tables per page.
"""
from __future__ import annotations

import random

import pypdfium2 as pdfium
import pytest
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

from conftest import INBOX
from extractors import rulings as R
from extractors.pdf_page import read_drawing


def plumber_groups(edges):
    merged = [e for e in merge_edges(edges, 3, 3, 3, 3)
              if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= R.MIN_EDGE_LENGTH]
    points = edges_to_intersections(merged, 1, 1)
    return merged, points, cells_to_tables(intersections_to_cells(points))


def ours(edges):
    merged = R.merge_rulings(edges)
    points = R.edges_to_intersections(merged)
    return merged, points, R.cells_to_tables(R.intersections_to_cells(points))


def same(edges) -> None:
    (m1, p1, g1), (m2, p2, g2) = plumber_groups(edges), ours(edges)
    box = lambda e: (e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"])  # noqa: E731
    assert sorted(map(box, m1)) == sorted(map(box, m2))
    assert sorted(p1) == sorted(p2)
    assert [sorted(t) for t in g1] == [sorted(t) for t in g2]


def page_rulings():
    for path in sorted(INBOX.glob("*.pdf")):
        pdf = pdfium.PdfDocument(str(path))
        for i in range(len(pdf)):
            edges = read_drawing(pdf[i], i + 1).rulings
            if edges:
                yield pytest.param(edges, id=f"{path.name}-p{i + 1}")
        pdf.close()


@pytest.mark.parametrize("edges", list(page_rulings()))
def test_real_report_pages(edges):
    same(edges)


def grid_edges(rng: random.Random) -> list[dict]:
    """One to three tables of random size, some inner rulings left out (merged cells), every
    line jittered by up to 2 pt and sometimes drawn in two pieces."""
    edges, top = [], 50.0
    for _ in range(rng.randint(1, 3)):
        xs = sorted({round(rng.uniform(40, 560), 1) for _ in range(rng.randint(3, 9))})
        ys = [top + 18 * k + rng.uniform(-1, 1) for k in range(rng.randint(2, 12))]
        jitter = lambda: rng.uniform(-2, 2)  # noqa: E731
        for r, y in enumerate(ys):
            for k in range(len(xs) - 1):
                if 0 < r < len(ys) - 1 and rng.random() < 0.15:
                    continue  # a merged cell
                y1 = y + jitter()
                if rng.random() < 0.2:  # drawn in two pieces
                    mid = (xs[k] + xs[k + 1]) / 2
                    edges += [R.h_edge(xs[k], mid, y1), R.h_edge(mid + rng.uniform(0, 2.5), xs[k + 1], y1)]
                else:
                    edges.append(R.h_edge(xs[k], xs[k + 1], y1))
        for k, x in enumerate(xs):
            for r in range(len(ys) - 1):
                if 0 < k < len(xs) - 1 and rng.random() < 0.15:
                    continue
                edges.append(R.v_edge(x + jitter(), ys[r], ys[r + 1]))
        top = ys[-1] + rng.uniform(10, 80)
    rng.shuffle(edges)
    return edges


@pytest.mark.parametrize("seed", range(60))
def test_generated_grids(seed):
    same(grid_edges(random.Random(seed)))


def test_a_white_box_and_shading_are_not_rulings():
    box = {"x0": 10, "x1": 200, "top": 10, "bottom": 30, "stroke": False, "fill": True,
           "non_stroking_color": (1, 1, 1)}
    shade = dict(box, non_stroking_color=(0.8, 0.8, 0.8))
    thin = dict(box, bottom=11.0, non_stroking_color=(0, 0, 0))
    framed = dict(box, stroke=True, stroking_color=(0,))
    assert R.shape_rulings([], [box, shade]) == []
    assert [(e["orientation"], e["top"]) for e in R.shape_rulings([], [thin])] == [("h", 10.5)]
    assert sorted(e["orientation"] for e in R.shape_rulings([], [framed])) == ["h", "h", "v", "v"]
