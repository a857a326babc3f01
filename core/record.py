"""The canonical annual-report record (shared/spec/canonical-record.md).

`Record.to_dict()` is exactly what `gongkai extract FILE --json` prints, what the warehouse
stores and what tests compare. This module imports nothing else of gongkai's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

TableStatus = Literal["found", "missing", "image-unreadable", "partial"]


@dataclass(frozen=True)
class CellSource:
    """Where one cell's value came from (the record's `provenance` entry).

    `page`/`bbox` where the format has pages; `table`, `row`, `col` locate the cell in the
    document model's grid (the table's index among the document's tables, 0-based, and the
    cell's row and column in it), for every format. They are emitted only when known."""

    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    method: Literal["text", "ocr", "inferred"] = "text"
    confidence: float = 1.0
    raw: str | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    alternatives: tuple[str, ...] = ()
    """OCR only: other texts the recogniser found plausible for a doubtful digit of `raw`;
    emitted (as `alternatives`) only when there are some."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "page": self.page,
            "bbox": [round(v, 2) for v in self.bbox] if self.bbox else None,
            "method": self.method,
            "confidence": round(self.confidence, 4),
            "raw": self.raw,
        }
        for k in ("table", "row", "col"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.alternatives:
            out["alternatives"] = list(self.alternatives)
        return out


@dataclass(frozen=True)
class Finding:
    """A failed cross-check or a structural problem."""

    rule: str
    message: str
    column: str | None = None
    expected: float | int | None = None
    actual: float | int | None = None
    cells: tuple[str, ...] = ()
    table: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "column": self.column, "expected": self.expected,
                               "actual": self.actual, "message": self.message}
        if self.table:
            out["table"] = self.table
        if self.cells:
            out["cells"] = list(self.cells)
        return out


@dataclass
class Record:
    agency: str | None
    region: str | None
    year: int | None
    published: str | None
    template: Literal["2019", "2021"]
    tables: dict[str, TableStatus]
    cells: dict[str, int | float | None]
    findings: list[Finding] = field(default_factory=list)
    provenance: dict[str, CellSource] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    extractor_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "agency": self.agency,
            "region": self.region,
            "year": self.year,
            "published": self.published,
            "template": self.template,
            "tables": dict(self.tables),
            "cells": dict(self.cells),
            "findings": [f.to_dict() for f in self.findings],
            "provenance": {k: v.to_dict() for k, v in self.provenance.items()},
            "source": dict(self.source),
        }
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        if self.extractor_version:
            out["extractor_version"] = self.extractor_version
        return out
