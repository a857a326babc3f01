"""Per-URL fetch state: what each URL answered last time, so a re-crawl asks only for changes.

A SQLite file (`$GONGKAI_DATA_DIR/crawl.sqlite`, stdlib `sqlite3`), separate from the
warehouse so a crawl needs no database server. Each fetch is committed as soon as it is
done, so an interrupted crawl resumes where it stopped: the next run sends conditional
requests for everything it already has (304 → the stored copy is re-read from the raw
store, not downloaded) and downloads only the rest.

Tables: `fetches` (one row per URL — or per POST URL + form — with ETag, Last-Modified,
sha256, status, error), `lineage` (every (URL, sha256) pair ever seen: a URL whose content
changed keeps its history), `runs` (one row per crawl of a source, `finished_at` written
last, like dlt's `complete_load`).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

STATE_FILENAME = "crawl.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS fetches (
    key           TEXT PRIMARY KEY,   -- the URL; for a POST, method + URL + form
    url           TEXT NOT NULL,
    source        TEXT,
    kind          TEXT,               -- page | inline_html | attachment | image
    page_url      TEXT,
    title         TEXT,
    year          INTEGER,
    agency        TEXT,
    sha256        TEXT,
    size          INTEGER,
    media_type    TEXT,
    etag          TEXT,
    last_modified TEXT,
    status        TEXT NOT NULL,      -- ok | failed
    error         TEXT,
    fetched_at    TEXT,               -- when these bytes were downloaded
    checked_at    TEXT,               -- when the URL was last asked
    attempts      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS fetches_sha256 ON fetches (sha256);
CREATE TABLE IF NOT EXISTS lineage (
    url        TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (url, sha256)
);
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    summary     TEXT
);
"""


@dataclass
class Previous:
    sha256: str | None
    etag: str | None
    last_modified: str | None
    media_type: str | None
    status: str
    fetched_at: str | None
    size: int | None = None


def default_path() -> Path:
    return Path(os.environ.get("GONGKAI_DATA_DIR") or "data") / STATE_FILENAME


def _iso(t: datetime | None = None) -> str:
    return (t or datetime.now(timezone.utc)).isoformat(timespec="seconds")


class FetchState:
    def __init__(self, path: str | Path | None = None):
        """`path` None → the default file; ":memory:" → nothing saved (dry runs, tests)."""
        p = str(path) if path is not None else str(default_path())
        if p != ":memory:":
            Path(p).parent.mkdir(parents=True, exist_ok=True)
        self.path = p
        self._db = sqlite3.connect(p, check_same_thread=False)  # `with self._db` = one transaction
        self._lock = threading.Lock()
        if p != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def previous(self, key: str) -> Previous | None:
        with self._lock:
            row = self._db.execute("SELECT sha256, etag, last_modified, media_type, status, fetched_at, size "
                                   "FROM fetches WHERE key = ?", (key,)).fetchone()
        return Previous(*row) if row else None

    def record_ok(self, key: str, url: str, *, sha256: str, size: int | None, media_type: str | None,
                  etag: str | None, last_modified: str | None, fetched_at: datetime | None,
                  changed: bool, source: str | None = None, kind: str | None = None,
                  page_url: str | None = None, title: str | None = None, year: int | None = None,
                  agency: str | None = None) -> None:
        """One successful fetch (200 or 304), committed at once. `changed`: new bytes were
        downloaded (sets `fetched_at`; a 304 only moves `checked_at`)."""
        now = _iso()
        with self._lock, self._db:
            self._db.execute("""
                INSERT INTO fetches (key, url, source, kind, page_url, title, year, agency, sha256, size,
                                     media_type, etag, last_modified, status, error, fetched_at, checked_at, attempts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?, ?, 0)
                ON CONFLICT (key) DO UPDATE SET
                    source = coalesce(excluded.source, source), kind = coalesce(excluded.kind, kind),
                    page_url = coalesce(excluded.page_url, page_url), title = coalesce(excluded.title, title),
                    year = coalesce(excluded.year, year), agency = coalesce(excluded.agency, agency),
                    sha256 = excluded.sha256, size = coalesce(excluded.size, size),
                    media_type = coalesce(excluded.media_type, media_type),
                    etag = excluded.etag, last_modified = excluded.last_modified,
                    status = 'ok', error = NULL, attempts = 0,
                    fetched_at = CASE WHEN ? THEN excluded.fetched_at ELSE fetched_at END,
                    checked_at = excluded.checked_at
            """, (key, url, source, kind, page_url, title, year, agency, sha256, size, media_type, etag,
                  last_modified, _iso(fetched_at) if changed else None, now, int(changed)))
            self._db.execute("INSERT OR IGNORE INTO lineage (url, sha256, first_seen) VALUES (?, ?, ?)",
                             (url, sha256, now))

    def record_failure(self, key: str, url: str, error: str, *, source: str | None = None,
                       kind: str | None = None, page_url: str | None = None, title: str | None = None,
                       year: int | None = None, agency: str | None = None) -> None:
        """A failed fetch: the error is kept, the last good sha256/ETag too (a URL that fails
        tonight still has yesterday's copy in the raw store)."""
        with self._lock, self._db:
            self._db.execute("""
                INSERT INTO fetches (key, url, source, kind, page_url, title, year, agency, status, error,
                                     checked_at, attempts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'failed', ?, ?, 1)
                ON CONFLICT (key) DO UPDATE SET status = 'failed', error = excluded.error,
                    checked_at = excluded.checked_at, attempts = attempts + 1
            """, (key, url, source, kind, page_url, title, year, agency, error[:2000], _iso()))

    def lineage(self, url: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT sha256 FROM lineage WHERE url = ? ORDER BY first_seen, rowid", (url,))]

    def urls_for(self, sha256: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT url FROM lineage WHERE sha256 = ? ORDER BY url", (sha256,))]

    def rows(self, where: str = "1=1", params: tuple = ()) -> list[dict]:
        with self._lock:
            cur = self._db.execute(f"SELECT * FROM fetches WHERE {where} ORDER BY key", params)
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r)) for r in cur]

    def start_run(self, source: str) -> int:
        with self._lock, self._db:
            return self._db.execute("INSERT INTO runs (source, started_at) VALUES (?, ?)",
                                    (source, _iso())).lastrowid

    def finish_run(self, run_id: int, summary: dict) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
                             (_iso(), json.dumps(summary, ensure_ascii=False, default=str), run_id))

    def runs(self) -> list[dict]:
        with self._lock:
            cur = self._db.execute("SELECT * FROM runs ORDER BY id")
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r)) for r in cur]
