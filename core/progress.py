"""Where an extraction is, so that a kill can say so ("exceeded 1024 MB while reading page 3").

Readers call `at("page 3")` as they go; it costs nothing unless the process runs under the
sandbox (`gongkai.sandbox`), which names a file in `GONGKAI_PROGRESS_FILE`: each call then
overwrites that file with the place, and the parent reads it when it has to kill the child.
"""
from __future__ import annotations

import os

PROGRESS_ENV = "GONGKAI_PROGRESS_FILE"

_fd: int | None = None
_path: str | None = None


def at(where: str) -> None:
    """Record where the extraction is now (a short phrase: "page 3", "frame 12 of 40")."""
    global _fd, _path
    path = os.environ.get(PROGRESS_ENV)
    if not path:
        return
    try:
        if _fd is None or _path != path:
            _fd, _path = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), path
        data = where.encode("utf-8", "replace")[:200]
        os.pwrite(_fd, data, 0)
        os.ftruncate(_fd, len(data))
    except OSError:  # progress is a courtesy; never fail an extraction over it
        pass


def page(n: int, of: int | None = None) -> None:
    at(f"page {n}" if of is None else f"page {n} of {of}")
