"""The raw store: every fetched file, kept once, named by the SHA-256 of its bytes.

Layout `raw/ab/cd/<sha256>` (two fan-out levels keep directories small). The same file
under two URLs is one entry; which URLs served it is the fetch state's business
(`state.FetchState`). Writes are atomic (a temporary name, then a rename), so an
interrupted crawl never leaves a half-written file under a valid name.

Where: `$GONGKAI_RAW_STORE` when set — a local path or any fsspec URL (`s3://bucket/raw`,
`memory://raw`; needs `fsspec` and the protocol's package, e.g. `s3fs`) — else
`$GONGKAI_DATA_DIR/raw` (default `./data/raw`).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from core.errors import Transient

RAW_STORE_ENV = "GONGKAI_RAW_STORE"
DATA_DIR_ENV = "GONGKAI_DATA_DIR"


class RawStoreUnavailable(Transient):
    """The raw store cannot be written (read-only, full, no permission): nothing was stored.
    Worth a retry once the store is back; never a verdict on the document."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relpath(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class RawStore:
    """Local filesystem store."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.url = str(self.root)

    def path(self, sha256: str) -> str:
        return str(self.root / relpath(sha256))

    def has(self, sha256: str) -> bool:
        return (self.root / relpath(sha256)).is_file()

    def put(self, data: bytes) -> tuple[str, str, bool]:
        """Store `data`; returns (sha256, path, created). Storing bytes already there is a no-op."""
        sha = sha256_bytes(data)
        dest = self.root / relpath(sha)
        if dest.is_file():
            return sha, str(dest), False
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        except OSError as exc:
            raise unavailable(self.url, sha, exc) from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, dest)
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise unavailable(self.url, sha, exc) from exc
            raise
        return sha, str(dest), True

    def get(self, sha256: str) -> bytes:
        return (self.root / relpath(sha256)).read_bytes()

    def count(self) -> int:
        return sum(1 for p in self.root.glob("??/??/*") if p.is_file() and not p.name.startswith(".tmp-"))


class FsspecStore:
    """Any fsspec filesystem (S3, MinIO through s3fs, memory:// in tests)."""

    def __init__(self, url: str):
        try:
            import fsspec
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(f"{RAW_STORE_ENV}={url} needs fsspec (pip install fsspec)") from exc
        self.url = url.rstrip("/")
        self.fs, self._root = fsspec.core.url_to_fs(self.url)

    def _full(self, sha256: str) -> str:
        return f"{self._root}/{relpath(sha256)}"

    def path(self, sha256: str) -> str:
        return f"{self.url}/{relpath(sha256)}"

    def has(self, sha256: str) -> bool:
        return self.fs.exists(self._full(sha256))

    def put(self, data: bytes) -> tuple[str, str, bool]:
        sha = sha256_bytes(data)
        full = self._full(sha)
        if self.fs.exists(full):
            return sha, self.path(sha), False
        # Object stores write whole objects at once; on a filesystem write a temp name first.
        tmp = f"{full}.tmp-{os.getpid()}"
        try:
            self.fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
            with self.fs.open(tmp, "wb") as fh:
                fh.write(data)
            self.fs.mv(tmp, full)
        except OSError as exc:
            raise unavailable(self.url, sha, exc) from exc
        return sha, self.path(sha), True

    def get(self, sha256: str) -> bytes:
        with self.fs.open(self._full(sha256), "rb") as fh:
            return fh.read()

    def count(self) -> int:
        return sum(1 for p in self.fs.find(self._root) if ".tmp-" not in p)


def unavailable(where: str, sha256: str, exc: OSError) -> RawStoreUnavailable:
    return RawStoreUnavailable(f"raw store {where} cannot be written ({exc.strerror or exc}): "
                               f"{sha256[:12]}… not stored")


class NullStore:
    """A dry run's store: remembers hashes in memory, writes nothing."""

    url = "(dry run: nothing stored)"

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def path(self, sha256: str) -> str:
        return ""

    def has(self, sha256: str) -> bool:
        return sha256 in self._data

    def put(self, data: bytes) -> tuple[str, str, bool]:
        sha = sha256_bytes(data)
        created = sha not in self._data
        self._data[sha] = data
        return sha, "", created

    def get(self, sha256: str) -> bytes:
        return self._data[sha256]

    def count(self) -> int:
        return len(self._data)


def open_store(where: str | Path | None = None) -> RawStore | FsspecStore:
    """The store at `where`, else `$GONGKAI_RAW_STORE`, else `$GONGKAI_DATA_DIR/raw`."""
    where = where or os.environ.get(RAW_STORE_ENV)
    if where is None:
        return RawStore(Path(os.environ.get(DATA_DIR_ENV) or "data") / "raw")
    where = str(where)
    if "://" in where and not where.startswith("file://"):
        return FsspecStore(where)
    return RawStore(where.removeprefix("file://"))
