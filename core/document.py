"""The intermediate document model: what every extractor returns, and all the normalizer reads.

An extractor turns bytes of one format (text dump, DOCX, PDF, HTML, image…) into an
`ExtractedDocument`: an ordered list of blocks — text (headings and paragraphs), tables
(cell grids with row/col spans) and images — each with its provenance (page, bbox, the
method that produced it). No format-specific type ever reaches `normalize/`, so adding a
format means adding an extractor, never touching the normalizer.

This module imports nothing else of gongkai's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal, Protocol, Union

BBox = tuple[float, float, float, float]
"""(x0, top, x1, bottom) in the page's own units: PDF points, image pixels, OFD millimetres."""

Method = Literal["text", "ocr", "inferred"]


@dataclass(frozen=True)
class Provenance:
    """Where a piece of content came from."""

    page: int | None = None  # 1-based; None for formats without pages (DOCX, HTML, text dumps)
    bbox: BBox | None = None
    method: Method = "text"
    confidence: float = 1.0
    alternatives: tuple[str, ...] = ()
    """OCR only: other texts the recogniser found plausible where it was unsure of a digit
    (a doubtful "8" whose runner-up was "6": ("6",)). `confidence` stays that of the text
    read; the normalizer may take an alternative only where the table's arithmetic settles
    it uniquely."""


@dataclass
class TextBlock:
    """A paragraph or heading, as one string (line breaks inside it kept as "\\n")."""

    text: str
    prov: Provenance = field(default_factory=Provenance)
    kind: Literal["paragraph", "heading"] = "paragraph"


@dataclass
class Cell:
    """One cell of a table grid, anchored at its top-left (row, col) with its spans."""

    row: int
    col: int
    text: str
    row_span: int = 1
    col_span: int = 1
    prov: Provenance = field(default_factory=Provenance)


class Anchored(Protocol):
    """A grid cell anchored at its top-left (row, col) and spanning rows and columns: a
    `Cell`, or a reader's own cell before it becomes one (the PDF reader's `RawCell`)."""

    row: int
    col: int
    row_span: int
    col_span: int


def grid_size(cells: Iterable[Anchored]) -> tuple[int, int]:
    """(rows, columns) of the grid the cells make: one past the last row and column any cell
    covers, spans included; (0, 0) for none. The one definition behind every `n_rows`/`n_cols`
    of a cell grid, so a table measures the same before and after it becomes a `Table`."""
    n_rows = n_cols = 0
    for c in cells:  # (`if`, not max(): the normalizer measures tables often)
        if c.row + c.row_span > n_rows:
            n_rows = c.row + c.row_span
        if c.col + c.col_span > n_cols:
            n_cols = c.col + c.col_span
    return n_rows, n_cols


@dataclass
class Table:
    """A table as a grid of cells.

    `columns_reliable` says whether a cell's `col` is its true column. It is False for
    tables rebuilt from text dumps whose converters dropped empty cells and shifted the
    rest (seeds 001/003): there, only the order of the cells within a row is known, and the
    normalizer matches values by row label and order instead of by column.
    """

    cells: list[Cell]
    prov: Provenance = field(default_factory=Provenance)
    columns_reliable: bool = True
    caption: str | None = None

    @property
    def n_rows(self) -> int:
        return grid_size(self.cells)[0]

    @property
    def n_cols(self) -> int:
        return grid_size(self.cells)[1]

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by their anchor row, each row ordered by column."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for c in self.cells:
            out[c.row].append(c)
        for r in out:
            r.sort(key=lambda c: c.col)
        return out

    def grid(self) -> list[list[Cell | None]]:
        """A rectangular grid with each spanning cell repeated over the positions it covers."""
        n_rows, n_cols = grid_size(self.cells)
        g: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
        for c in self.cells:
            for r in range(c.row, c.row + c.row_span):
                for k in range(c.col, c.col + c.col_span):
                    g[r][k] = c
        return g

    def to_text(self) -> str:
        return "\n".join("\t".join(c.text for c in row) for row in self.rows())


@dataclass
class ImageBlock:
    """A picture in the document: often a table pasted as an image (seed 002).

    `data` holds the bytes when the extractor has them; `ref` names the picture otherwise
    (an `[image: …]` placeholder in a text dump, or an `<img src>` that could not be read).
    """

    data: bytes | None = None
    ref: str | None = None
    media_type: str | None = None
    prov: Provenance = field(default_factory=Provenance)


Block = Union[TextBlock, Table, ImageBlock]


@dataclass
class ExtractedDocument:
    """Everything an extractor found in one file."""

    blocks: list[Block] = field(default_factory=list)
    format: str = "unknown"
    metadata: dict[str, str] = field(default_factory=dict)
    """Metadata the container gives besides the body: for HTML pages `title`, `published`
    (发布日期/发布时间), `agency` (发布机构), `index_no` (索引号), `credit_code`; for PDFs
    the document info title."""
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop extraction (e.g. "page 3: text layer garbled, needs OCR")."""

    def texts(self) -> Iterator[TextBlock]:
        return (b for b in self.blocks if isinstance(b, TextBlock))

    def tables(self) -> Iterator[Table]:
        return (b for b in self.blocks if isinstance(b, Table))

    def images(self) -> Iterator[ImageBlock]:
        return (b for b in self.blocks if isinstance(b, ImageBlock))

    def full_text(self) -> str:
        """The text blocks joined by newlines, for metadata searches."""
        return "\n".join(b.text for b in self.texts())

    def to_dict(self) -> dict:
        """A plain-data view for debugging: what `gongkai extract FILE --document` prints.
        (`gongkai debug FILE --page N` draws the same tables' cells on the page.)"""

        def prov(p: Provenance) -> dict:
            d = {"page": p.page, "bbox": p.bbox, "method": p.method, "confidence": p.confidence}
            if p.alternatives:
                d["alternatives"] = list(p.alternatives)
            return d

        out = []
        for b in self.blocks:
            if isinstance(b, TextBlock):
                out.append({"type": b.kind, "text": b.text, "prov": prov(b.prov)})
            elif isinstance(b, Table):
                out.append({"type": "table", "columns_reliable": b.columns_reliable, "prov": prov(b.prov),
                            "cells": [[c.row, c.col, c.row_span, c.col_span, c.text] for c in b.cells]})
            else:
                out.append({"type": "image", "ref": b.ref, "bytes": len(b.data or b""), "prov": prov(b.prov)})
        return {"format": self.format, "pages": self.pages, "metadata": self.metadata,
                "warnings": self.warnings, "blocks": out}
