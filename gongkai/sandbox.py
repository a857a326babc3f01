"""One extraction in a child process: a bad file never costs more than itself.

`extract_in_child(paths)` runs `gongkai.pipeline.extract_group(paths)` in a fresh Python
process (`python -m gongkai.sandbox`) and returns its `Record`. The child

- has an address-space cap (`RLIMIT_AS`, `Budgets.memory_mb`) and a CPU budget
  (`RLIMIT_CPU`, `Budgets.cpu_s`), set by itself before it imports anything of ours;
- runs in a process group of its own; the parent waits at most `Budgets.timeout_s`, then
  stops the group, kills every descendant (LibreOffice runs in a session of its own, so its
  group is killed too) and the child's group;
- writes where it is (`core.progress`: "page 3 of 40") to a file the parent reads when it
  has to give a reason.

The parent turns every way the child can end into one of gongkai's errors: the child's own
`BadDocument`/`NotAReport`/`Transient` come back as themselves (by class name), a budget
that ran out is a `ResourceLimit` ("exceeded 1024 MB while reading page 3", "took longer
than 120 s"), a crash is a `BadDocument` naming the signal. Nothing of the child's
traceback reaches the caller except its last line, in the message.

Budgets come from `Budgets.from_env()`: `GONGKAI_EXTRACT_MEMORY_MB` (default 4096),
`GONGKAI_EXTRACT_TIMEOUT_S` (600), `GONGKAI_EXTRACT_CPU_S` (the CPU seconds of the child
itself, all its threads together; default: as many as the timeout).
"""
from __future__ import annotations

import dataclasses
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

from core import errors
from core.errors import BadDocument, ResourceLimit
from core.progress import PROGRESS_ENV
from core.record import CellSource, Finding, Record

DEFAULT_MEMORY_MB = 4096
"""The cap is on address space, which native libraries (onnxruntime, PDFium) reserve far
beyond what they touch: a 4-page scan with OCR peaks at ~500 MB resident but 1.2–1.5 GB of
address space, and under a 1 GB cap its OCR fails (the tables come back image-unreadable)."""
DEFAULT_TIMEOUT_S = 600.0
"""Longer than LibreOffice's own timeout (120 s) plus the OCR of a long scan."""
MIN_MEMORY_MB = 256
"""Below this the Python interpreter and the extractors' imports do not fit."""

ENV = {"memory_mb": "GONGKAI_EXTRACT_MEMORY_MB", "timeout_s": "GONGKAI_EXTRACT_TIMEOUT_S",
       "cpu_s": "GONGKAI_EXTRACT_CPU_S"}
Mode = Literal["record", "document"]


@dataclass(frozen=True)
class Budgets:
    """What one extraction may spend. `cpu_s=None` means as many CPU seconds as `timeout_s`."""

    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: float = DEFAULT_TIMEOUT_S
    cpu_s: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.memory_mb, int) or self.memory_mb < MIN_MEMORY_MB:
            raise ValueError(f"memory_mb ({ENV['memory_mb']}) must be an integer ≥ {MIN_MEMORY_MB}, "
                             f"got {self.memory_mb!r}")
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s ({ENV['timeout_s']}) must be > 0 seconds, got {self.timeout_s!r}")
        if self.cpu_s is not None and not self.cpu_s > 0:
            raise ValueError(f"cpu_s ({ENV['cpu_s']}) must be > 0 seconds, got {self.cpu_s!r}")

    @property
    def cpu_limit_s(self) -> float:
        return self.cpu_s if self.cpu_s is not None else self.timeout_s

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Budgets":
        """Defaults, then `GONGKAI_EXTRACT_*` from `env` (os.environ), then `overrides`."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var in ENV.items():
            raw = env.get(var, "").strip()
            if not raw:
                continue
            try:
                values[name] = int(raw) if name == "memory_mb" else float(raw)
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a number") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


# ---- the parent ---------------------------------------------------------------------------


def extract_in_child(paths: list[Path] | list[str], budgets: Budgets | None = None,
                     hashes: list[str] | None = None) -> Record:
    """Several files read together as one report (or one file) → its record, in a child process.

    `hashes`: the files' sha256 when known (`extract_group`'s). Raises what `extract_group`
    raises (rebuilt from its class name), `ResourceLimit` when a budget ran out, `BadDocument`
    when the child crashed.
    """
    value = run_in_child([str(p) for p in paths], "record", budgets, hashes=hashes)
    return record_from_dict(value)


def documents_in_child(paths: list[Path] | list[str], budgets: Budgets | None = None) -> list[dict]:
    """Each file's document model as a dict (`gongkai extract --document`), in a child process."""
    return run_in_child([str(p) for p in paths], "document", budgets)


def run_in_child(paths: list[str], mode: Mode, budgets: Budgets | None = None,
                 hashes: list[str] | None = None) -> Any:
    budgets = budgets or Budgets.from_env()
    with tempfile.TemporaryDirectory(prefix="gongkai-sandbox-") as tmp:
        work = Path(tmp)
        result, progress, log = work / "result.json", work / "progress", work / "log"
        request = {"paths": list(paths), "hashes": list(hashes) if hashes else None, "mode": mode,
                   "out": str(result), "memory_mb": budgets.memory_mb, "cpu_s": budgets.cpu_limit_s,
                   "progress": str(progress)}
        started = time.monotonic()
        pid, reap = (_fork if _can_fork() else _spawn)(request, log)
        timed_out = True
        try:
            timed_out = not _exited(pid, budgets.timeout_s)
        finally:
            # Still unreaped, so its pid and group id cannot have been reused: kill what it
            # started and left behind (the child itself on a timeout or Ctrl-C), then reap it.
            kill_tree(pid)
            code = reap()
        if timed_out:
            raise ResourceLimit(f"took longer than {budgets.timeout_s:g} s{_where(progress)}")
        return _outcome(code, result, progress, log, budgets, time.monotonic() - started)


def _exited(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` s for the child to end, without reaping it."""
    deadline = time.monotonic() + timeout
    if hasattr(os, "pidfd_open"):
        import select

        fd = os.pidfd_open(pid)
        try:
            while True:  # select can wake early on a signal
                left = deadline - time.monotonic()
                if select.select([fd], [], [], max(0.0, left))[0]:
                    return True
                if left <= 0:
                    return False
        finally:
            os.close(fd)
    delay = 0.001
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    return True


def _can_fork() -> bool:
    """Fork (cheap: the parent's imports are shared) from a single-threaded parent on POSIX;
    a parent with threads (Prefect, Dask) spawns a fresh interpreter instead."""
    import threading

    mode = os.environ.get("GONGKAI_SANDBOX_START", "auto")
    return mode != "spawn" and hasattr(os, "fork") and (mode == "fork" or threading.active_count() == 1)


def preload(paths: list[str]) -> None:
    """Import, once in the parent, the code the children will run, so that forked children
    start warm: the processing path and the readers of these files' formats. Only those: a
    CLI run on one text PDF must not pay for every reader and OpenCV; a long-running worker
    collects the readers of what it has seen. OCR is imported by the child that needs it (its
    cost is small beside the recognition itself)."""
    import gongkai.pipeline  # noqa: F401
    import normalize.assemble  # noqa: F401
    from extractors import sniff
    from normalize.region import warm_up

    warm_up()  # the gazetteer of divisions: a fifth of a second, once per process, not per child

    for p in paths:
        try:
            sniff(Path(p))  # imports the readers up to the one that claims the file
        except Exception:  # unreadable or unknown: the child reports it
            pass


def _fork(request: dict, log: Path):
    preload(request["paths"])
    import gc

    log_fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    gc.freeze()  # the child's collector then leaves the parent's objects (and their pages) alone
    pid = -1
    try:
        pid = os.fork()
    finally:
        if pid != 0:
            gc.unfreeze()
            if pid < 0:
                os.close(log_fd)
    if pid == 0:  # the child: never returns
        code = 70
        try:
            os.setsid()
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            os.environ[PROGRESS_ENV] = request["progress"]
            code = _serve(request)
        except BaseException:  # noqa: BLE001 - the parent reads the last line of the log
            import traceback

            os.write(2, traceback.format_exc().encode("utf-8", "replace"))
        finally:
            os._exit(code)
    os.close(log_fd)

    def reap() -> int:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    return pid, reap


def _spawn(request: dict, log: Path):
    # Few malloc arenas: each thread's 64 MB arena counts against the address-space cap.
    env = dict(os.environ, **{PROGRESS_ENV: request["progress"], "MALLOC_ARENA_MAX": "2"})
    with log.open("wb") as log_fh:
        proc = subprocess.Popen([sys.executable, "-m", "gongkai.sandbox"], stdin=subprocess.PIPE,
                                stdout=log_fh, stderr=log_fh, env=env, start_new_session=True)
    try:
        proc.stdin.write(json.dumps(request).encode())  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
    except BrokenPipeError:
        pass

    return proc.pid, proc.wait


def _outcome(code: int, result: Path, progress: Path, log: Path, budgets: Budgets, seconds: float) -> Any:
    where = _where(progress)
    try:
        answer = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        answer = None
    if answer is not None:
        if answer.get("ok"):
            return answer["value"]
        if answer.get("memory"):
            detail = f" ({answer['detail']})" if answer.get("detail") else ""
            raise ResourceLimit(f"exceeded {budgets.memory_mb} MB{where}{detail}")
        raise _rebuild(answer)
    tail = _last_line(log)
    if code < 0 and -code in (signal.SIGXCPU, signal.SIGKILL) and seconds < budgets.timeout_s:
        if -code == signal.SIGXCPU or _cpu_spent_near(budgets):
            raise ResourceLimit(f"used more than {budgets.cpu_limit_s:g} s of CPU{where}")
    if "MemoryError" in tail or "bad_alloc" in tail or "Cannot allocate memory" in tail:
        raise ResourceLimit(f"exceeded {budgets.memory_mb} MB{where}")
    if code < 0:
        raise BadDocument(f"the extraction crashed ({_signal_name(-code)}){where}")
    raise BadDocument(f"the extraction ended without a result (exit status {code}){where}"
                      f"{': ' + tail if tail else ''}")


def _cpu_spent_near(budgets: Budgets) -> bool:
    """After a SIGKILL: did the children of this process use about the CPU budget (RLIMIT_CPU's
    hard limit kills with SIGKILL when SIGXCPU was ignored)?"""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime >= budgets.cpu_limit_s * 0.9


def _where(progress: Path) -> str:
    try:
        text = progress.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f" while reading {text}" if text else ""


def _last_line(log: Path) -> str:
    try:
        with log.open("rb") as fh:
            fh.seek(max(0, log.stat().st_size - 4096))
            lines = [ln.strip() for ln in fh.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


_KNOWN = {name: getattr(errors, name) for name in dir(errors)
          if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), errors.GongkaiError)}


def _rebuild(answer: Mapping[str, Any]) -> Exception:
    """The child's exception as the nearest of gongkai's own error classes."""
    message = answer.get("message") or ""
    for name in answer.get("mro") or ():
        if name in _KNOWN:
            return _KNOWN[name](message)
    return BadDocument(f"internal error ({answer.get('type')}: {message})")


def record_from_dict(d: Mapping[str, Any]) -> Record:
    """`Record.to_dict()`'s inverse (keys the dataclasses do not know are left out)."""

    def known(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        names = {f.name for f in dataclasses.fields(cls)}
        return {k: v for k, v in data.items() if k in names}

    prov = {}
    for code, p in (d.get("provenance") or {}).items():
        p = known(CellSource, p)
        if p.get("bbox") is not None:
            p["bbox"] = tuple(p["bbox"])
        prov[code] = CellSource(**p)
    findings = [Finding(**{**known(Finding, f), "cells": tuple(f.get("cells") or ())}) for f in d.get("findings") or ()]
    rest = known(Record, d)
    rest.update(provenance=prov, findings=findings)
    return Record(**rest)


def kill_tree(pid: int) -> None:
    """SIGKILL a child's process group and every descendant, including those that started a
    session of their own (LibreOffice): the group is stopped first, so that nobody forks or
    is re-parented while we look."""
    try:
        os.killpg(pid, signal.SIGSTOP)
    except (ProcessLookupError, PermissionError):
        pass
    table = _proc_table()
    for d in _descendants(pid, table) | {p for p, (_, g) in table.items() if g == pid and p != pid}:
        try:
            pgid = os.getpgid(d)
            if pgid not in (pid, os.getpgrp()):
                os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.kill(d, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, process group) of every process we can see (Linux /proc)."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return table


def _descendants(pid: int, table: dict[int, tuple[int, int]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for p, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(p)
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


# ---- the child ----------------------------------------------------------------------------


def _limit(memory_mb: int, cpu_s: float) -> None:
    _few_arenas()
    cap = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cpu = max(1, int(cpu_s + 0.999))
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5 if hard == resource.RLIM_INFINITY else min(cpu + 5, hard)))


def _few_arenas() -> None:
    """glibc gives each thread a malloc arena of 64 MB of address space; OCR's threads would
    spend the cap on reservations. (A spawned child gets MALLOC_ARENA_MAX=2 from its
    environment; a forked one, whose malloc is already running, is told here.)"""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


NEAR_THE_CAP = 0.9


def _near_the_cap(memory_mb: int) -> bool:
    """Did this process's address space come within 10 % of the cap (VmPeak, Linux)?"""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmPeak:"):
                    return int(line.split()[1]) >= NEAR_THE_CAP * memory_mb * 1024
    except (OSError, ValueError, IndexError):
        pass
    return False


def _ran_out_of_memory(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, MemoryError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _child() -> int:
    return _serve(json.loads(sys.stdin.buffer.read()))


def _serve(request: dict) -> int:
    """Run one request under its budgets and write the answer where the parent looks."""
    import faulthandler

    try:  # a native crash leaves its Python stack in the log (fd 2, whatever sys.stderr is)
        faulthandler.enable(file=2)
    except (OSError, ValueError):
        pass
    _limit(request["memory_mb"], request["cpu_s"])
    try:
        from gongkai.pipeline import extract_document, extract_group

        paths = [Path(p) for p in request["paths"]]
        if request["mode"] == "document":
            value: Any = [extract_document(p).to_dict() for p in paths]
        else:
            hashes = request.get("hashes")
            # without hashes, called as before (the tests' stand-ins for it take paths only)
            value = (extract_group(paths, hashes) if hashes else extract_group(paths)).to_dict()
        answer = {"ok": True, "value": value}
        if isinstance(value, dict) and "image-unreadable" in value.get("tables", {}).values() \
                and _near_the_cap(request["memory_mb"]):
            # OCR that ran out of memory reports its pictures unreadable: not the file's fault
            answer = {"ok": False, "memory": True, "detail": "its pictures could not be read within the cap"}
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as data
        # Native libraries short of memory raise their own errors (libxml2: "XMLSyntaxError:
        # unknown error"): near the cap, any failure is the cap's.
        if _ran_out_of_memory(exc) or _near_the_cap(request["memory_mb"]):
            answer = {"ok": False, "memory": True}
        else:
            answer = {"ok": False, "type": type(exc).__name__, "message": str(exc),
                      "mro": [c.__name__ for c in type(exc).__mro__]}
    tmp = request["out"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(answer, fh, ensure_ascii=False, default=str)
    os.replace(tmp, request["out"])
    return 0


if __name__ == "__main__":
    sys.exit(_child())
