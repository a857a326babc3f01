"""Running LibreOffice (`soffice --convert-to`) safely: one document, one process, one profile.

Legacy office files (Word 97 `.doc`, Kingsoft `.wps`/`.et`, `.rtf`, Excel 97 `.xls`) are
not parsed here: LibreOffice converts them to DOCX/XLSX and the OOXML extractors read the
result. LibreOffice is a large C++ program that can hang or crash on a hostile or damaged
file, so each conversion is contained:

- its own process group (`start_new_session`), killed whole (`oosplash` and `soffice.bin`)
  when the per-document timeout runs out: a hang costs that document only;
- its own throw-away profile (`-env:UserInstallation=file:///tmp/…`): soffice instances
  sharing a profile hand their work to the first one instead of running, so conversions
  could not run in parallel and one stuck instance would block every later one;
- its own temporary folder, where the input is copied under a neutral name with the
  extension of its real type (what `.wps` means is decided by the bytes, not LibreOffice's
  guess from the name, which would take it for Microsoft Works), and removed afterwards.

`GONGKAI_SOFFICE` names the soffice binary (tests point it at fake ones that hang or crash);
`GONGKAI_SOFFICE_TIMEOUT` sets the per-document timeout in seconds.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from core.errors import BadDocument

DEFAULT_TIMEOUT = 120.0
"""Seconds one conversion may take; a report converts in 1–3 s, a 300-page one in ~20 s."""

TARGETS = {
    "docx": "docx:MS Word 2007 XML",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
}
"""Output extension → LibreOffice's `--convert-to` argument (explicit filter names, so that
a Writer import is never exported through a Calc filter or the reverse)."""

_CANDIDATES = ("soffice", "libreoffice", "/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
               "/opt/libreoffice/program/soffice", "/Applications/LibreOffice.app/Contents/MacOS/soffice")
_APPLICATION = re.compile(rb"<(?:\w+:)?Application>([^<]*)</")


@dataclass(frozen=True)
class Converted:
    """A finished conversion: the output file (valid inside `converted`'s block) and its lineage."""

    path: Path
    sha256: str
    seconds: float
    converter: str | None
    """The producing application as the output records it ("LibreOffice/7.4.7.2$Linux_X86_64 …")."""


def find_soffice() -> str | None:
    """The soffice executable: `$GONGKAI_SOFFICE`, else the usual names and places."""
    named = os.environ.get("GONGKAI_SOFFICE")
    if named:
        return shutil.which(named) or (named if os.access(named, os.X_OK) else None)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def timeout_seconds(timeout: float | None = None) -> float:
    if timeout is not None:
        return timeout
    try:
        return float(os.environ.get("GONGKAI_SOFFICE_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def run_soffice(inputs: Sequence[Path], target: str, outdir: Path, workdir: Path,
                timeout: float | None = None) -> str:
    """Convert `inputs` to `target` ("docx", "xlsx", or a raw `--convert-to` argument such as
    "doc:MS Word 97") in `outdir` with one soffice process.

    Returns soffice's own output (stdout + stderr) for diagnostics. Raises `BadDocument` when
    soffice is missing, runs past the timeout (the whole process group is killed first), or
    dies on a signal. soffice exits 0 even when it could not load a file: callers check
    that each output exists.
    """
    exe = find_soffice()
    if exe is None:
        raise BadDocument("this format needs LibreOffice (soffice) to convert it, and none is installed "
                          "(apt-get install libreoffice-writer-nogui libreoffice-calc-nogui, or set GONGKAI_SOFFICE)")
    limit = timeout_seconds(timeout)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    profile = Path(workdir) / "profile"
    cmd = [exe, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--invisible",
           "--nologo", "--nodefault", "--norestore", "--nolockcheck", "--nofirststartwizard",
           "--convert-to", TARGETS.get(target, target), "--outdir", str(outdir), *map(str, inputs)]
    env = dict(os.environ, HOME=str(workdir))  # nothing of LibreOffice's lands in the real home
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=workdir, env=env, start_new_session=True)
    except OSError as exc:
        raise BadDocument(f"cannot start LibreOffice ({exe}): {exc.strerror or exc}") from exc
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise BadDocument(f"LibreOffice did not finish converting within {limit:g} s (killed)") from None
    finally:
        if proc.returncode is None:  # an exception other than the timeout: never leave it running
            _kill_group(proc)
    text = out.decode("utf-8", "replace")
    if proc.returncode < 0 or proc.returncode >= 128:
        raise BadDocument(f"LibreOffice crashed while converting ({_signal_name(proc.returncode)}){_last_line(text)}")
    return text


def _signal_name(returncode: int) -> str:
    """-11 (killed by Python's view) or 139 (a shell wrapper's 128+N) → "SIGSEGV"."""
    sig = -returncode if returncode < 0 else returncode - 128
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"exit status {returncode}"


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL soffice's whole process group (oosplash and soffice.bin), then reap the leader."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # pipes held by an unkillable straggler; give up on them
        proc.kill()
        proc.wait()


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and "javaldx" not in ln]
    return f": {lines[-1][:200]}" if lines else ""


@contextmanager
def converted(src: Path, target: str, suffix: str, timeout: float | None = None) -> Iterator[Converted]:
    """Convert one file to `target` ("docx"/"xlsx"); the result lives until the block ends.

    `suffix` is the extension of the file's real type (".doc", ".xls", ".rtf"), under which
    the input is handed to LibreOffice whatever its own name.
    """
    src = Path(src)
    with tempfile.TemporaryDirectory(prefix="gongkai-soffice-") as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        source = work / "in" / f"source{suffix}"
        try:
            shutil.copyfile(src, source)
        except OSError as exc:
            raise BadDocument(f"cannot read {src.name}: {exc.strerror or exc}") from exc
        started = time.monotonic()
        log = run_soffice([source], target, work / "out", work, timeout)
        out = work / "out" / f"source.{target}"
        if not out.is_file() or out.stat().st_size == 0:
            raise BadDocument(f"LibreOffice could not convert the file to {target.upper()}{_last_line(log)}")
        data = out.read_bytes()
        yield Converted(path=out, sha256=hashlib.sha256(data).hexdigest(),
                        seconds=round(time.monotonic() - started, 3), converter=_application(out))


def _application(path: Path) -> str | None:
    """The `Application` recorded in the output's docProps/app.xml."""
    try:
        with zipfile.ZipFile(path) as zf:
            m = _APPLICATION.search(zf.read("docProps/app.xml")[:4096])
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    return m.group(1).decode("utf-8", "replace").strip() or None if m else None
