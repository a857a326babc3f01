"""A file's identity: the SHA-256 of its bytes.

The warehouse's `documents.sha256`, a record's `source.sha256` and a multi-file report's
member hashes are all this one function of a file, so they agree wherever they are computed
(the application hashing a file it is about to process, storage hashing one it registers).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20
"""Read 1 MiB at a time: a scanned report can be hundreds of MB; it never sits in memory whole."""


def sha256_file(path: str | Path) -> str:
    """The hex SHA-256 of the file at `path`."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()
