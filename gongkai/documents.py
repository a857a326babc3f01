"""Where a document's bytes are, and where they came from: `DocRef`, and the ways to get one.

Every way into gongkai ends in a `DocRef` — a local file (`gongkai load`, an inbox), a report
the crawler found (`crawl`, the nightly run), a URL fetched on request (backfill, a retried
run), a document the warehouse knows (reprocess) — and `gongkai.process.process` takes it from
there. A report made of several files (posted as one picture per table, or a page and its
pictures) is ONE document: `members` lists its files in reading order and its identity is
the hash of their hashes (`gongkai.pipeline.group_digest`), whichever command found it.
Those hashes travel with the ref (`member_hashes`): registering the members and extracting
the group use them instead of reading every member file again.

`DocRef` is plain data: picklable for Dask, JSON-able for a deployment run's parameters.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from core.errors import BadDocument
from core.hashing import sha256_file
from gongkai.pipeline import group_digest, report_paths


@dataclass(frozen=True)
class DocRef:
    """One document to process. `sha256` is None only for a report whose fetch failed."""

    sha256: str | None
    path: str | None = None
    url: str | None = None
    page_url: str | None = None
    members: tuple[str, ...] = ()
    """Files read together as one report, in order; `path` is the first of them."""
    member_hashes: tuple[str, ...] = ()
    """The sha256 of each of `members`, in the same order, as computed when the ref was made
    (empty: not known, hashed where needed). Big scans make hashing a group cost seconds."""
    size: int | None = None
    media_type: str | None = None
    fetched_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    agency: str | None = None      # what the listing said, for run names before extraction
    origin: str = "inbox"          # inbox | crawl | url | warehouse
    fetch_status: str = "new"      # new | unchanged | failed (what the crawl said)
    fetch_error: str | None = None
    fetch_attempts: int = 0        # consecutive failed fetches of `url` (the crawler's fetch state)

    def __post_init__(self) -> None:
        if self.member_hashes and len(self.member_hashes) != len(self.members):
            raise ValueError(f"{len(self.member_hashes)} member hashes for {len(self.members)} members")

    @property
    def name(self) -> str:
        """The file's name (a group: its folder's), else the URL's last segment."""
        where = (str(Path(self.path).parent) if self.members and self.path else self.path) or self.url or ""
        base = where.rstrip("/").rsplit("/", 1)[-1] if where else ""
        return base or (self.sha256 or "?")[:12]

    @property
    def where(self) -> str:
        """The URL it came from, else its path: what an operator looks for."""
        return self.url or self.path or "?"

    @property
    def key(self) -> str:
        """The document's identity in idempotency keys."""
        if self.sha256:
            return self.sha256
        return "url-" + hashlib.sha256((self.url or self.path or "").encode()).hexdigest()[:24]

    def document_info(self):
        """The `storage.DocumentInfo` of this document (its `documents` row)."""
        from storage import DocumentInfo

        fetched = datetime.fromisoformat(self.fetched_at) if self.fetched_at else None
        path = str(Path(self.path).parent) if self.members and self.path else self.path
        local = path and "://" not in path
        return DocumentInfo(sha256=self.sha256 or "", size=self.size, media_type=self.media_type,
                            format="group" if self.members else None,
                            filename=Path(path).name if local else None,
                            path=path, source_url=self.url, referrer_url=self.page_url, fetched_at=fetched,
                            etag=self.etag, last_modified=self.last_modified)

    def member_infos(self) -> list:
        """The `DocumentInfo` of each member file (lineage of a group)."""
        from storage import DocumentInfo

        hashes = self.member_hashes or (None,) * len(self.members)
        return [DocumentInfo.from_path(Path(m), sha256=h) for m, h in zip(self.members, hashes)]

    def parameters(self) -> dict[str, Any]:
        """The `process-document` parameters that find this document again."""
        params: dict[str, Any] = {"sha256": self.sha256, "path": self.path, "url": self.url,
                                  "page_url": self.page_url}
        if self.members:
            params["members"] = list(self.members)
        return {k: v for k, v in params.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["members"] = list(self.members)
        d["member_hashes"] = list(self.member_hashes)
        return d


def ref_from_path(path: str | Path, **fields: Any) -> DocRef:
    p = Path(path).resolve()
    return DocRef(sha256=sha256_file(p), path=str(p), size=p.stat().st_size, **fields)


def ref_from_members(members: Iterable[str | Path], **fields: Any) -> DocRef:
    """Several files read together as one report."""
    paths = [str(Path(m).resolve()) for m in members]
    missing = [m for m in paths if not is_local_file(m)]
    if missing:
        raise BadDocument(f"missing member files: {', '.join(missing)}")
    if len(paths) == 1:
        return ref_from_path(paths[0], **fields)
    hashes = tuple(sha256_file(m) for m in paths)
    return DocRef(sha256=group_digest(list(hashes)), path=paths[0], members=tuple(paths), member_hashes=hashes,
                  size=sum(Path(m).stat().st_size for m in paths), **fields)


def refs_from_paths(paths: Iterable[str | Path]) -> list[DocRef]:
    """The reports in some files and folders (`gongkai.pipeline.report_paths`: a folder's
    files each, its sub-folders as one report of several files)."""
    out = []
    for files in report_paths([Path(p) for p in paths]):
        if not all(f.is_file() for f in files):
            raise BadDocument(f"no such file: {files[0]}")
        out.append(ref_from_members(files) if len(files) > 1 else ref_from_path(files[0]))
    return out


def refs_from_folder(folder: str | Path) -> list[DocRef]:
    """A folder's files, as `gongkai load` reads them."""
    if not Path(folder).is_dir():
        raise BadDocument(f"no such folder: {folder}")
    return refs_from_paths([folder])


def ref_from_report(report, fetch_attempts: int = 0) -> DocRef:
    """A report the crawler found (`crawl.model.FoundReport`) → the document to process.

    A failed report has no bytes: its ref carries the URL and the error. A report made of
    several files (`FoundReport.members()`: a page and its pictures) is a group; anything else
    is its one file."""
    base: dict[str, Any] = dict(url=report.url, page_url=report.page, origin="crawl", fetch_status=report.status,
                                agency=report.agency)
    if report.status == "failed" or not report.files:
        return DocRef(sha256=None, fetch_error=report.error or "not fetched", fetch_attempts=fetch_attempts, **base)
    files = report.members()
    if len(files) > 1:
        hashes = tuple(f.sha256 for f in files)
        return DocRef(sha256=group_digest(list(hashes)), path=files[0].path, members=tuple(f.path for f in files),
                      member_hashes=hashes, size=sum(f.size or 0 for f in files), **base)
    f = files[0]
    return DocRef(sha256=f.sha256, path=f.path, size=f.size, media_type=f.media_type,
                  fetched_at=f.fetched_at.isoformat() if f.fetched_at else None, etag=f.etag,
                  last_modified=f.last_modified, **base)


def resolve(engine, *, sha256: str | None = None, path: str | None = None, url: str | None = None,
            page_url: str | None = None, members: list[str] | None = None,
            fetch: Callable[[str, str | None], DocRef] | None = None) -> DocRef:
    """The document `process-document` is asked for, found again.

    In order: `members` (read together); `path`, when the file is there (if it no longer holds
    `sha256`, its current bytes are processed: the operator replaced a broken file); the
    warehouse's row for `sha256` (its path, else the raw store's copy); `url`, fetched again
    (`fetch(url, page_url)` → DocRef). Raises BadDocument when none of them finds the bytes.
    """
    from storage.queries import document_row

    origin = "crawl" if url else "inbox"
    if members:
        return ref_from_members(members, url=url, page_url=page_url, origin=origin)
    if path and is_local_file(path):
        return ref_from_path(path, url=url, page_url=page_url, origin=origin)
    row: Mapping[str, Any] | None = document_row(engine, sha256) if sha256 else None
    if row is not None:
        url = url or row["source_url"]
        page_url = page_url or row["referrer_url"]
        if row["path"] and is_local_file(row["path"]) and sha256_file(row["path"]) == sha256:
            return ref_from_path(row["path"], url=url, page_url=page_url, origin="warehouse")
    if sha256:
        stored = raw_store_path(sha256)
        if stored:
            return ref_from_path(stored, url=url, page_url=page_url, origin="crawl" if url else "warehouse")
    if url and fetch is not None:
        return fetch(url, page_url)
    wanted = ", ".join(f"{k}={v}" for k, v in (("sha256", sha256), ("path", path), ("url", url)) if v)
    raise BadDocument(f"document not found ({wanted or 'nothing given'}): give a path, a sha256 the "
                      "warehouse or the raw store knows, or a URL to fetch")


def is_local_file(path: str) -> bool:
    return "://" not in path and Path(path).is_file()


def raw_store_path(sha256: str) -> str | None:
    """A local file with these bytes from the raw store (an object store's copy is cached in
    the temp folder: extraction needs a file), or None."""
    from crawl.rawstore import RawStore, open_store

    try:
        store = open_store()
        if not store.has(sha256):
            return None
        if isinstance(store, RawStore):
            return store.path(sha256)
        local = Path(tempfile.gettempdir()) / "gongkai-raw" / sha256
        if not local.is_file():
            local.parent.mkdir(parents=True, exist_ok=True)
            tmp = local.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(store.get(sha256))
            os.replace(tmp, local)
        return str(local)
    except ValueError:  # not a hex digest
        return None


def ref_from_fetch(report) -> DocRef:
    """A URL fetched on request (`crawl.urls.UrlFetcher.fetch`) → its DocRef, with a local path
    (the raw store's, or a cached copy of an object store's)."""
    ref = ref_from_report(report)
    if ref.sha256 and ref.path and not is_local_file(ref.path):
        ref = dataclasses.replace(ref, path=raw_store_path(ref.sha256))
    return dataclasses.replace(ref, origin="url")


def unique(refs: Iterable[DocRef]) -> list[DocRef]:
    """One ref per document (the same file under two URLs, or crawled and in the inbox):
    the first one wins."""
    out: dict[str, DocRef] = {}
    for ref in refs:
        out.setdefault(ref.key, ref)
    return list(out.values())
