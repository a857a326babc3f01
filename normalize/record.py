"""From an extracted document to the canonical record: the normalizer's entry point."""
from __future__ import annotations

from core import __version__
from core.document import ExtractedDocument, ImageBlock, Table
from core.record import CellSource, Finding, Record

from . import metadata as meta
from core import sections
from core import template as T
from .infer import resolve_short_rows
from .tables import (TableMapping, classify, detect_template, map_active, map_applications, map_review,
                     template_from_applications)

TABLE_LABELS = {"active": "二", "applications": "三", "review": "四"}
LOW_CONFIDENCE = 0.8
"""Below this, a cell read by OCR is reported (`cell.low_confidence`), never silently accepted."""


def to_record(doc: ExtractedDocument, source: dict | None = None) -> Record:
    """Normalize one document onto the template. Never raises for a readable report:
    what is missing or wrong becomes a status and a finding."""
    classified = [(t, classify(t)) for t in doc.tables()]
    title, agency, title_year = meta.title_and_agency(doc)
    agency = agency or meta.agency_from_sentence(doc) or meta.agency_from_metadata(doc)
    year = meta.reporting_year(doc, title_year)

    template = detect_template([t for t, k in classified if k == "active"]) or \
        detect_template([t for t, _ in classified]) or \
        template_from_applications([t for t, k in classified if k == "applications"]) or \
        ("2019" if year and year <= 2020 else "2021")
    mapping = map_all(classified, template)
    statuses = table_statuses(doc, mapping)

    cells, provenance = assemble_cells(mapping, template)
    findings = list(mapping.findings) + status_findings(statuses) + missing_rows(mapping, statuses, template)
    findings += low_confidence(cells, provenance)

    from validate import check  # the validator depends on the record's shape, not the reverse

    findings += check(cells, template)
    record = Record(
        agency=agency,
        region=_region(agency, doc, year),
        year=year,
        published=meta.published_date(doc),
        template=template,  # type: ignore[arg-type]
        tables=statuses,
        cells=cells,
        findings=findings,
        provenance=provenance,
        source=dict(source or {}),
        metadata={k: v for k, v in doc.metadata.items() if k in ("credit_code", "index_no", "title", "site")},
        extractor_version=__version__,
    )
    if title and "title" not in record.metadata:
        record.metadata["title"] = title
    return record


def _region(agency: str | None, doc: ExtractedDocument, year: int | None) -> str | None:
    from .region import resolve_region

    return resolve_region(agency, doc.full_text()[:6000], doc.metadata.get("credit_code"), year=year)


def map_all(classified: list[tuple[Table, str | None]], template: str) -> TableMapping:
    m = TableMapping()
    colmap = None
    for index, (table, kind) in enumerate(classified):
        m.table_index = index
        if kind == "active":
            before = len(m.cells)
            map_active(table, template, m)
            if len(m.cells) > before or m.active_rows:
                m.found.add("active")
        elif kind == "applications":
            before = len(m.apply_rows)
            colmap = map_applications(table, m, colmap)
            if len(m.apply_rows) > before:
                m.found.add("applications")
        elif kind == "review":
            if map_review(table, m):
                m.found.add("review")
    resolve_short_rows(m)
    return m


def table_statuses(doc: ExtractedDocument, m: TableMapping) -> dict[str, str]:
    """found / missing / image-unreadable for each table; `partial` is decided later."""
    by_section = sections.blocks_by_section(doc)
    any_images = any(True for _ in doc.images())
    out = {}
    for number, kind in sections.TABLE_SECTION.items():
        if kind in m.found:
            out[kind] = "found"
        elif number in by_section:
            pictures = any(isinstance(doc.blocks[i], ImageBlock) for i in by_section[number])
            out[kind] = "image-unreadable" if pictures else "missing"
        else:
            out[kind] = "image-unreadable" if any_images and not m.found else "missing"
    return out


def status_findings(statuses: dict[str, str]) -> list[Finding]:
    out = []
    for kind, status in statuses.items():
        if status == "missing":
            out.append(Finding("table.missing", f"table {TABLE_LABELS[kind]} ({T.TABLE_TITLES[kind]}) not found",
                               table=kind))
        elif status == "image-unreadable":
            out.append(Finding("table.image_unreadable",
                               f"table {TABLE_LABELS[kind]} ({T.TABLE_TITLES[kind]}) exists only as an image "
                               "that could not be read", table=kind))
    return out


def missing_rows(m: TableMapping, statuses: dict[str, str], template: str) -> list[Finding]:
    """Rows of a found table that the report does not print; the table becomes `partial`."""
    out = []
    if statuses.get("active") == "found":
        for r in T.ACTIVE_ROWS[template]:  # type: ignore[index]
            if r.key not in m.active_rows:
                out.append(Finding("row.missing", f"table 二 has no row {r.label}", table="active"))
    if statuses.get("applications") == "found":
        printed = m.apply_rows
        for r in T.apply_rows(template):  # type: ignore[arg-type]
            if r.key in printed:
                continue
            # （六）其他处理: one row or three sub-rows are both the template (spec).
            if r.key == "other" and printed & set(T.APPLY_OTHER_SPLIT):
                continue
            if r.key in T.APPLY_OTHER_SPLIT and "other" in printed:
                continue
            out.append(Finding("row.missing", f"table 三 has no row {r.label}", table="applications"))
    for f in out:
        statuses[f.table] = "partial"  # type: ignore[index]
    return out


def assemble_cells(m: TableMapping, template: str) -> tuple[dict, dict[str, CellSource]]:
    codes = list(T.cell_codes(template))  # type: ignore[arg-type]
    # A report that mixes the versions carries the cells of the rows it printed too.
    extra = []
    if "other" in m.apply_rows and template == "2021":
        extra = [f"apply.other.{c.key}" for c in T.APPLY_COLUMNS]
    if m.apply_rows & set(T.APPLY_OTHER_SPLIT) and template == "2019":
        extra = [f"apply.{r}.{c.key}" for r in T.APPLY_OTHER_SPLIT for c in T.APPLY_COLUMNS]
    cells: dict = {}
    prov: dict[str, CellSource] = {}
    for code in codes + extra:
        hit = m.cells.get(code)
        cells[code] = hit[0] if hit else None
        if hit:
            prov[code] = hit[1]
    return cells, prov


def low_confidence(cells: dict, provenance: dict[str, CellSource]) -> list[Finding]:
    out = []
    for code, src in provenance.items():
        if src.confidence < LOW_CONFIDENCE and src.method != "inferred":
            out.append(Finding("cell.low_confidence", f"{code} read as {cells.get(code)!r} from {src.raw!r} "
                               f"with confidence {src.confidence:.2f}", actual=cells.get(code), cells=(code,),
                               column=code.rsplit(".", 1)[-1]))
    return out
