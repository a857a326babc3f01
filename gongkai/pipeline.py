"""The plain functions the CLI, the tests and the Prefect flows all call."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from core.document import ExtractedDocument
from core.errors import BadDocument, NotAReport
from core.hashing import sha256_file
from core.record import Record


def extract_document(path: Path) -> ExtractedDocument:
    """Bytes → document model (raises BadDocument for what cannot be read).

    Pictures the extractor found (tables pasted as images, scanned pages) are then read by
    OCR (`ocr.enrich`), which adds ordinary tables and text to the same document model, so
    the normalizer never knows where a grid came from.
    """
    import extractors

    doc = extractors.extract(Path(path))
    return enrich(doc, Path(path))


def enrich(doc: ExtractedDocument, path: Path) -> ExtractedDocument:
    """The document with its pictures read by OCR; a document without pictures as it is,
    without loading OpenCV and the recogniser (a text PDF's record costs a tenth of that)."""
    from core.document import ImageBlock

    if not any(isinstance(b, ImageBlock) for b in doc.blocks):
        return doc
    from ocr import enrich as ocr_enrich

    return ocr_enrich(doc, source_path=path)


def extract_record(path: Path) -> Record:
    """One file → its canonical record (extract → normalize → validate).

    Raises `BadDocument` for a file that cannot be read, or that is readable but holds no
    annual report at all (no title, no section, no statistical table): an HTML error
    page or an unrelated document must not become an empty record in the warehouse.
    """
    from normalize.assemble import to_record

    path = Path(path)
    if not path.is_file():
        raise BadDocument(f"no such file: {path}")
    doc = extract_document(path)
    source = {"path": str(path), "sha256": sha256_file(path), "format": doc.format}
    record = to_record(doc, source)
    if not looks_like_report(doc, record):
        raise NotAReport("no annual-report content found (no report title, section heading or statistical table)")
    return record


def extract_group(paths: list[Path], hashes: list[str] | None = None) -> Record:
    """Several files that together make one report (a report posted as one picture per
    table or per page) → one record. Blocks are taken file by file in the given order.

    `hashes`: the members' sha256, in `paths` order, as the caller registered them (`DocRef.
    member_hashes`). Each member is still hashed as it is read — the record's lineage names the
    bytes it came from — and a member that changed since is refused, to be read again as what
    it now is."""
    from normalize.assemble import to_record

    paths = [Path(p) for p in paths]
    if len(paths) == 1:
        return extract_record(paths[0])
    if hashes and len(hashes) != len(paths):
        raise ValueError(f"{len(hashes)} hashes for {len(paths)} files")
    known = list(hashes) if hashes else [None] * len(paths)
    merged = ExtractedDocument(format="group")
    members = []
    for p, known_sha in zip(paths, known):
        if not p.is_file():
            raise BadDocument(f"no such file: {p}")
        doc = extract_document(p)
        merged.blocks.extend(doc.blocks)
        merged.warnings.extend(f"{p.name}: {w}" for w in doc.warnings)
        for k, v in doc.metadata.items():
            merged.metadata.setdefault(k, v)
        sha = sha256_file(p)
        if known_sha and sha != known_sha:
            raise BadDocument(f"{p.name} changed while the report was being processed "
                              f"(sha256 {known_sha[:12]}… → {sha[:12]}…); the next run reads it as it is now")
        members.append({"path": str(p), "sha256": sha, "format": doc.format})
    digest = group_digest([m["sha256"] for m in members])
    source = {"path": str(paths[0].parent), "sha256": digest, "format": "group", "members": members}
    record = to_record(merged, source)
    if not looks_like_report(merged, record):
        raise NotAReport("no annual-report content found in any of the files")
    return record


def group_digest(member_hashes: list[str]) -> str:
    """The identity of a report made of several files: a hash of its members' hashes, sorted,
    so that the same files make the same document whichever command found them and in
    whatever order it listed them (a crawl lists a page's pictures in page order, a folder
    in name order)."""
    return hashlib.sha256("".join(sorted(member_hashes)).encode()).hexdigest()


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for its files, in name order (hidden files and
    sub-folders skipped: `report_paths` reads sub-folders as multi-file reports)."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(x for x in p.iterdir() if x.is_file() and not x.name.startswith(".")) if p.is_dir()
                   else [p])
    return out


def report_paths(paths: list[Path]) -> list[list[Path]]:
    """The reports in some files and folders, each as the files it is read from.

    A file is a report. A folder stands for its files, each a report, and for its
    sub-folders, each ONE report made of its files in name order (a report posted as a page
    and its pictures, or one picture per table, dropped into the inbox as a folder) — except
    a page's own resources folder (`X_files/` beside `X.html`, as browsers save pages), which
    belongs to the page."""
    out: list[list[Path]] = []
    for p in map(Path, paths):
        if not p.is_dir():
            out.append([p])
            continue
        entries = sorted(x for x in p.iterdir() if not x.name.startswith("."))
        pages = {x.stem for x in entries if x.is_file() and x.suffix.lower() in (".html", ".htm", ".shtml")}
        for x in entries:
            if x.is_file():
                out.append([x])
            elif x.is_dir() and not (x.name.endswith("_files") and x.name[:-len("_files")] in pages):
                files = expand_paths([x])
                if files:
                    out.append(files)
    return out


def looks_like_report(doc: ExtractedDocument, record: Record) -> bool:
    from core import sections
    from core.sections import TITLE_WORDS

    if any(s in ("found", "partial") for s in record.tables.values()):
        return True
    if len(sections.find_headings(doc)) >= 2:
        return True
    text = doc.full_text()[:3000].replace(" ", "") + (doc.metadata.get("title") or "")
    return any(w in text for w in TITLE_WORDS[:-1]) or bool(list(doc.images()))


# The core, every stage and the application: their whole source is part of the extraction's
# identity, so no hand-kept list can miss a file (a changed clustering helper in core/ is as
# much a change of extraction as a changed extractor). Stages that extraction does not read
# (crawl, storage) are in too: a needless re-extraction costs minutes, a stale record is wrong.
EXTRACTION_PACKAGES = ("core", "crawl", "extractors", "ocr", "normalize", "validate", "storage", "gongkai")
# The libraries that read the bytes: a new pdfminer or OCR model changes records too.
EXTRACTION_LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "python-docx", "lxml", "openpyxl", "olefile",
                        "charset-normalizer", "rapidocr", "onnxruntime", "opencv-python-headless", "numpy",
                        "Pillow")
SOURCE_SUFFIXES = (".py", ".tsv", ".json", ".yaml", ".onnx", ".txt")


@lru_cache(maxsize=4)
def extraction_fingerprint(root: Path | None = None) -> str:
    """A hash of everything that decides what a file extracts to: the source (and data files)
    of `EXTRACTION_PACKAGES` under `root` (default: where gongkai is installed from) and the
    installed versions of `EXTRACTION_LIBRARIES`. Part of the extraction cache key, so that a
    changed extractor, helper or library never gets yesterday's record back."""
    from importlib import metadata

    root = Path(root) if root is not None else Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for pkg in EXTRACTION_PACKAGES:
        for p in sorted((root / pkg).rglob("*")):
            if p.is_file() and p.suffix in SOURCE_SUFFIXES and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    for lib in EXTRACTION_LIBRARIES:
        try:
            version = metadata.version(lib)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{lib}=={version}\0".encode())
    return h.hexdigest()[:16]
