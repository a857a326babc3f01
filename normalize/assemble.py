"""From an extracted document to the canonical record: the normalizer's entry point."""
from __future__ import annotations

import re

from core import __version__
from core.document import ExtractedDocument, ImageBlock, Table
from core.record import CellSource, Finding, Record

from . import candidates
from . import metadata as meta
from core import sections
from core import template as T
from .continuations import join_continuations, tables_with_rows_left_as_text
from .infer import resolve_short_rows
from .tables import (TableMapping, classify, continues, detect_template, is_row_label, map_active,
                     map_applications, map_review, review_shaped, template_from_applications)

TABLE_LABELS = {"active": "二", "applications": "三", "review": "四"}
LOW_CONFIDENCE = 0.8
"""Below this, a cell read by OCR is reported (`cell.low_confidence`), never silently accepted."""


def to_record(doc: ExtractedDocument, source: dict | None = None) -> Record:
    """Normalize one document onto the template. Never raises for a readable report:
    what is missing or wrong becomes a status and a finding."""
    classified = classify_tables(doc)
    title, agency, title_year = meta.title_and_agency(doc)
    agency = agency or meta.agency_from_sentence(doc) or meta.agency_from_metadata(doc)
    year = meta.reporting_year(doc, title_year)
    if not agency or not year:  # a workbook of tables alone: its sheet names, the file's name
        named_agency, named_year = meta.from_names(doc, (source or {}).get("path"))
        agency, year = agency or named_agency, year or named_year

    template = detect_template([t for t, k in classified if k == "active"]) or \
        detect_template([t for t, _ in classified]) or \
        template_from_applications([t for t, k in classified if k == "applications"]) or \
        template_from_text(doc) or \
        ("2019" if year and year <= 2020 else "2021")
    mapping = map_all(classified, template)
    statuses = table_statuses(doc, mapping)

    cells, provenance = assemble_cells(mapping, template)
    findings = one_per_lost_row(list(mapping.findings) + status_findings(statuses, run_together_rows(doc))
                                + missing_rows(mapping, statuses, template))
    from validate import check  # the validator depends on the record's shape, not the reverse

    rules = check(cells, template)
    # where the recogniser kept runners-up for a doubtful digit, the arithmetic may settle it
    choices = {c.code: c for c in candidates.choose(cells, provenance, rules, template, check, LOW_CONFIDENCE)}
    taken = {code: c for code, c in choices.items() if c.value is not None and c.value != c.read}
    if taken:
        cells.update({code: c.value for code, c in taken.items()})
        rules = check(cells, template)
        findings += [candidates.chosen_finding(c, provenance[code]) for code, c in sorted(taken.items())]
    dropped = doubtful_reads(cells, provenance, rules)
    if dropped:  # what the recogniser was unsure of and the arithmetic does not back: not taken
        raw = {code: provenance.pop(code) for code in dropped}
        cells.update({code: None for code in dropped})
        rules = check(cells, template)
        findings += [unbacked_read(code, src, choices.get(code)) for code, src in sorted(raw.items())]
    unparsed = {code for f in findings if f.rule == "cell.unparsed" for code in f.cells}  # one finding a cell
    findings += (low_confidence(cells, provenance, skip=set(taken) | unparsed)
                 + unreadable_cells(classified) + rules)
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


def template_from_text(doc: ExtractedDocument) -> str | None:
    """Table 二's column labels where no table could be read (a dump whose cells run
    together still prints 本年新制作数量 or 本年制发件数): the same markers, in the text."""
    from core import labels

    text = labels.squash(doc.full_text())
    hits = {v: sum(1 for m in marks if labels.squash(m) in text) for v, marks in T.TEMPLATE_MARKERS.items()}
    if hits["2021"] == hits["2019"]:
        return None
    return max(hits, key=lambda v: hits[v])


def classify_tables(doc: ExtractedDocument) -> list[tuple[Table, str | None]]:
    """Each table (continuation pieces joined) with its kind: from its own words, else — for
    a table whose header words were lost (an OCR dump's generic 数据1…数据15) — from the
    section it stands in, where its shape is that section's table (table 四: one row of
    fifteen values), or, for a piece of a table cut by a page break, where one of its rows
    is that table's."""
    section_kind: dict[int, str] = {}
    for number, indices in sections.blocks_by_section(doc).items():
        for i in indices:
            if isinstance(doc.blocks[i], Table) and number in sections.TABLE_SECTION:
                section_kind[id(doc.blocks[i])] = sections.TABLE_SECTION[number]
    out = []
    for table, first in join_continuations(tables_with_rows_left_as_text(doc, is_row_label)):
        kind = classify(table)
        if kind is None and section_kind.get(id(first)) == "review" and review_shaped(table):
            kind = "review"
        # a piece of a table cut by a page break, too small to classify by its own words
        # ("规章 | 0 | 0 | 3" under a lost header, "行政事业性收费 | 1.5" alone on the next
        # page): the table of the section it stands in, or else of the table above it
        guess = section_kind.get(id(first)) or (out[-1][1] if out else None)
        if kind is None and guess and continues(table, guess):
            kind = guess
        out.append((table, kind))
    return out


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


# two digits are enough: a row whose 法人 columns are blank runs together only 自然人 and 总计 ("…数量59")
_RUN_TOGETHER = re.compile(r"^(?P<label>[一二三四五六七八九十（(）)、.\d]*[\u4e00-\u9fff“”\"]{4,}?)(?P<digits>\d{2,})$")


def run_together_rows(doc: ExtractedDocument) -> dict[str, str]:
    """Per table kind, one line of text that is a template row label with its cells run
    together into one string of digits ("一、本年新收政府信息公开申请数量3960181"): the table is
    there, and cannot be read — which cell a digit belongs to is lost."""
    from core import labels

    apply_keys = {labels.key(r.label): "applications" for r in T.APPLY_ROWS}
    active_keys = {labels.key(r.label): "active" for t in T.TEMPLATES for r in T.ACTIVE_ROWS[t]}
    out: dict[str, str] = {}
    for b in doc.texts():
        for line in b.text.split("\n"):
            m = _RUN_TOGETHER.match(labels.squash(line))
            if not m:
                continue
            kind = apply_keys.get(labels.key(m.group("label"))) or active_keys.get(labels.key(m.group("label")))
            if kind:
                out.setdefault(kind, line.strip())
    return out


def status_findings(statuses: dict[str, str], run_together: dict[str, str] | None = None) -> list[Finding]:
    out = []
    for kind, status in statuses.items():
        if status == "missing":
            why = ""
            if run_together and kind in run_together:
                why = (f"; printed as text with its cells run together ({run_together[kind]!r}): which digit "
                       "belongs to which cell cannot be told")
            out.append(Finding("table.missing", f"table {TABLE_LABELS[kind]} ({T.TABLE_TITLES[kind]}) not found{why}",
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


def one_per_lost_row(findings: list[Finding]) -> list[Finding]:
    """A row whose label was not recognised is also a template row missing: one problem, one
    finding. In each table, the unknown labels and the missing rows are paired in order; each
    pair becomes one `row.missing` that quotes the label as printed. What is left unpaired
    stays as it was."""
    out = list(findings)
    for table in ("active", "applications"):
        unknown = [f for f in out if f.rule == "row.unknown_label" and f.table == table]
        missing = [f for f in out if f.rule == "row.missing" and f.table == table]
        for u, m in zip(unknown, missing):
            out.remove(u)
            out[out.index(m)] = Finding("row.missing", f"{m.message}; a row printed there is not recognised "
                                        f"({u.message.split(': ', 1)[-1]})", table=table)
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


def unreadable_cells(classified: list[tuple[Table, str | None]]) -> list[Finding]:
    """Cells of a statistical table that OCR declared unreadable (empty, confidence 0: the
    numbers of two cells ran together where a ruling was lost, and no number beats a wrong
    one). Whatever the row mapping makes of the blank, the record says a cell was lost."""
    out = []
    for table, kind in classified:
        if kind is None:
            continue
        for c in table.cells:
            if c.prov.method == "ocr" and c.prov.confidence == 0.0 and not c.text.strip():
                out.append(Finding("cell.low_confidence", f"table {TABLE_LABELS[kind]}: the picture's cell at row "
                                   f"{c.row + 1}, column {c.col + 1} could not be read (left null)", table=kind))
    return out


def doubtful_reads(cells: dict, provenance: dict[str, CellSource], rules: list[Finding]) -> set[str]:
    """OCR reads below `LOW_CONFIDENCE` that a failing identity names. A printed "/" or "—"
    read as "1" is the usual case: the recogniser was unsure, and the table's arithmetic says
    the read is wrong; taking it would be a guess, so the cell is left null (with a finding).
    A confident read that breaks a rule is what the report prints, and is kept and flagged."""
    named = {code for f in rules for code in f.cells}
    return {code for code, src in provenance.items()
            if code in named and src.method == "ocr" and src.confidence < LOW_CONFIDENCE and cells.get(code) is not None}


def unbacked_read(code: str, src: CellSource, choice: candidates.Choice | None = None) -> Finding:
    why = candidates.unsettled_note(choice) if choice and choice.why else ""
    return Finding("cell.low_confidence", f"{code}: read {src.raw!r} with confidence {src.confidence:.2f}, and the "
                   f"table's arithmetic fails with it{why}; left null", cells=(code,),
                   column=code.rsplit(".", 1)[-1], table=T.table_of(code))


def low_confidence(cells: dict, provenance: dict[str, CellSource], skip: set[str] = frozenset()) -> list[Finding]:
    """A finding for each cell read below `LOW_CONFIDENCE`, except those in `skip` (chosen
    among the recogniser's candidates, or reported unparsed: a finding says so already)."""
    out = []
    for code, src in provenance.items():
        if src.confidence < LOW_CONFIDENCE and src.method != "inferred" and code not in skip:
            out.append(Finding("cell.low_confidence", f"{code} read as {cells.get(code)!r} from {src.raw!r} "
                               f"with confidence {src.confidence:.2f}", actual=cells.get(code), cells=(code,),
                               column=code.rsplit(".", 1)[-1]))
    return out
