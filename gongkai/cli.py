"""The `gongkai` command: a thin layer over the library.

Each command calls one library function and maps `GongkaiError` to a one-line message on
stderr and a documented exit status (no traceback):
  0  success
  1  the file cannot be read as a report (bad or unsupported input)
  2  usage error (typer's own)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

from core import __version__
from core.errors import GongkaiError
from core.record import Record

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="gongkai (公开): government information disclosure annual reports → a queryable warehouse.")
err = Console(stderr=True)

EXIT_BAD_INPUT = 1
SAMPLE_INBOX = Path(__file__).resolve().parents[1] / "examples" / "inbox"


def _fail(path: Path, exc: Exception) -> None:
    print(f"gongkai: {path}: {exc}", file=sys.stderr)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="A report file (PDF, DOCX, HTML page, text dump…); several files "
                                       "or a folder are read together as ONE report (e.g. one picture per table)."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly the canonical record as JSON."),
    document: bool = typer.Option(False, "--document", help="Print the intermediate document model (debugging)."),
) -> None:
    """Extract one report and print its canonical record.

    Example: gongkai extract report.pdf --json
    """
    from gongkai.pipeline import expand_paths
    from gongkai.sandbox import documents_in_child, extract_in_child

    label = files[0] if len(files) == 1 else Path(", ".join(map(str, files)))
    try:
        paths = expand_paths(files)
        if not paths:
            raise GongkaiError("no files")
        if document:
            docs = documents_in_child(paths)
            print(json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=1, default=str))
            return
        record = extract_in_child(paths)  # a child process with memory and time budgets
    except GongkaiError as exc:
        _fail(label, exc)
        return
    except Exception as exc:  # an extractor's own defect must still cost only this file
        _fail(label, f"internal error ({type(exc).__name__}: {exc})")
        return
    if as_json:
        print(json.dumps(record.to_dict(), ensure_ascii=False))
    else:
        print_summary(record)


def print_summary(record: Record) -> None:
    out = Console()
    out.print(f"[bold]{record.agency or '(agency unknown)'}[/bold]  {record.region or ''}")
    out.print(f"year {record.year}  published {record.published or '—'}  template {record.template}  "
              f"source {record.source.get('format')}  {record.source.get('sha256', '')[:12]}")
    from core import template as T

    status_style = {"found": "green", "partial": "yellow", "missing": "red", "image-unreadable": "red"}
    for kind in T.TABLES:
        st = record.tables[kind]
        out.print(f"table {kind}: [{status_style.get(st, 'white')}]{st}[/]")
    out.print(_active_table(record))
    out.print(_apply_table(record))
    out.print(_review_table(record))
    if record.findings:
        for f in record.findings:
            colour = "yellow" if f.rule.startswith(("table.", "row.")) else "red"
            out.print(f"[{colour}]✗ {f.rule}[/]  {f.message}")
    else:
        out.print("[green]✓ every check passes[/]")


def _fmt(v) -> str:
    return "—" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


def _active_table(record: Record) -> RichTable:
    from core import template as T

    t = RichTable(title=f"二 {T.TABLE_TITLES['active']}", show_header=True)
    t.add_column("row")
    t.add_column("values")
    for r in T.ACTIVE_ROWS[record.template]:
        vals = ", ".join(f"{c.label}={_fmt(record.cells.get(f'active.{r.key}.{c.key}'))}" for c in r.columns)
        t.add_row(r.label, vals)
    return t


def _apply_table(record: Record) -> RichTable:
    from core import template as T

    from core.labels import key

    t = RichTable(title=f"三 {T.TABLE_TITLES['applications']}")
    t.add_column("row", min_width=12, no_wrap=True)
    for c in T.APPLY_COLUMNS:
        t.add_column(c.label, justify="right", max_width=6)
    for r in T.APPLY_ROWS:
        codes = [f"apply.{r.key}.{c.key}" for c in T.APPLY_COLUMNS]
        if not any(code in record.cells for code in codes):
            continue
        t.add_row(key(r.label)[:12], *(_fmt(record.cells.get(code)) for code in codes))
    return t


def _review_table(record: Record) -> RichTable:
    from core import template as T

    t = RichTable(title=f"四 {T.TABLE_TITLES['review']}")
    t.add_column("")
    for c in T.REVIEW_COLUMNS:
        t.add_column(c.label, justify="right")
    for b in T.REVIEW_BLOCKS:
        t.add_row(b.label, *(_fmt(record.cells.get(f"{b.key}.{c.key}")) for c in T.REVIEW_COLUMNS))
    return t


@app.command("extract-all")
def extract_all(
    paths: list[Path] = typer.Argument(..., help="Files or folders."),
    out: Path = typer.Option(None, "--out", "-o", help="Write one JSON record per line here (default stdout)."),
) -> None:
    """Extract every report under the given files/folders; bad files are reported and skipped.

    Example: gongkai extract-all inbox/ -o records.jsonl
    """
    from gongkai.sandbox import Budgets, extract_in_child

    try:
        budgets = Budgets.from_env()
    except ValueError as exc:
        err.print(f"gongkai: {exc}")
        raise typer.Exit(2)
    files = [p for path in paths for p in (sorted(x for x in path.rglob("*") if x.is_file())
                                           if path.is_dir() else [path])]
    sink = out.open("w", encoding="utf-8") if out else sys.stdout
    ok = failed = 0
    try:
        for f in files:
            try:
                rec = extract_in_child([f], budgets)
            except Exception as exc:  # one bad document never stops the others
                failed += 1
                err.print(f"[red]failed[/] {f}: {exc}")
                continue
            ok += 1
            sink.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
    finally:
        if out:
            sink.close()
    err.print(f"{ok} extracted, {failed} failed")
    if failed and not ok:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def debug(
    file: Path = typer.Argument(..., help="A PDF, an OFD or a picture (PNG, JPEG, TIFF…)."),
    page: int = typer.Option(1, "--page", "-p", min=1, help="The page (a TIFF's frame), from 1."),
    out: Path = typer.Option(None, "--out", "-o", help="The PNG to write (default: FILE-pN.png here)."),
    rows: bool = typer.Option(True, "--rows/--no-rows", help="Run the pipeline too and colour the table rows "
                              "it matched to the template (OCR included, so slower on pictures)."),
    as_json: bool = typer.Option(False, "--json", help="Also print the drawn boxes as JSON (page units)."),
) -> None:
    """Draw what the table finder saw on one page: rulings, cells, rows matched to the template.

    A PDF page with a text layer shows the rulings the extractor used (red), their
    intersections, the cells of each table (blue) and each row with its cell codes
    (green: matched, grey: not a template row, red: values but no code); a picture or a
    scanned page shows the OCR grid; an OFD page its ruling paths and cells.

    Example: gongkai debug report.pdf --page 3 -o p3.png
    """
    from gongkai.debug import debug_page, save

    try:
        view = debug_page(file, page, rows=rows)
    except GongkaiError as exc:
        _fail(file, exc)
        return
    target = save(view, out or Path(f"{file.stem}-p{page}.png"))
    if as_json:
        print(json.dumps(view.to_dict(), ensure_ascii=False))
    counts = {st: sum(r.status == st for r in view.rows) for st in ("matched", "not-template", "unknown")}
    err.print(f"wrote {target}: {view.finder} page {page}, {len(view.edges)} rulings, {len(view.cells)} cells, "
              f"{len(view.tables)} table(s)" + (f"; rows: {counts['matched']} matched, {counts['not-template']} "
                                               f"not a template row, {counts['unknown']} unknown" if rows else ""))


@app.command()
def version() -> None:
    """Print gongkai's version.

    Example: gongkai version
    """
    print(__version__)


def main() -> None:  # pragma: no cover
    app()


# ---- the warehouse ------------------------------------------------------------------------

DB_OPTION = typer.Option(None, "--database-url", envvar="GONGKAI_DATABASE_URL",
                         help="SQLAlchemy URL of the warehouse (default: SQLite in $GONGKAI_DATA_DIR, ./data).")


def _engine(url: str | None):
    from storage import database_url, get_engine

    return get_engine(database_url(url))


def _safe_url(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


EXIT_DATABASE = 1


def _db_failed(exc: BaseException, url: str | None) -> typer.Exit:
    """One line on stderr for a warehouse that cannot be reached or used (no traceback)."""
    from storage import describe_db_error

    print(f"gongkai: {describe_db_error(exc, url)}", file=sys.stderr)
    return typer.Exit(EXIT_DATABASE)


@app.command()
def load(
    paths: list[Path] = typer.Argument(None, help="Files and folders to ingest (default: the bundled sample "
                                       "inbox, examples/inbox)."),
    database_url: str = DB_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON outcome per document."),
) -> None:
    """Extract, normalize, validate and load reports into the warehouse.

    A folder stands for its files, each a report, and for its sub-folders, each one report
    made of several files (a page and its pictures, one picture per table). Loading the same
    file again changes nothing; a file that cannot be read is recorded as failed (see
    `gongkai status`) and the others go on.

    Example: gongkai load examples/inbox
    """
    from rich.progress import Progress

    from gongkai.pipeline import report_paths
    from gongkai.process import process_file
    from storage import upgrade

    if not paths:
        if not SAMPLE_INBOX.is_dir():
            err.print("gongkai: give files or folders to load (the sample inbox exists only in a source checkout)")
            raise typer.Exit(2)
        paths = [SAMPLE_INBOX]
    from storage import DB_ERRORS

    try:
        engine = _engine(database_url)
        upgrade(engine)
    except DB_ERRORS as exc:
        raise _db_failed(exc, database_url)
    reports = report_paths(paths)
    outcomes = []
    # No refresh thread: each extraction forks a sandboxed child, which a threaded parent
    # cannot do safely (it would spawn a fresh interpreter per document instead, ~1.5 s each).
    with Progress(console=err, transient=True, disable=as_json, auto_refresh=False) as progress:
        task = progress.add_task("loading", total=len(reports))
        for files in reports:
            progress.update(task, description=files[0].name)
            o = process_file(engine, files[0], members=files if len(files) > 1 else None)
            outcomes.append(o)
            if as_json:
                print(json.dumps(o.to_dict(), ensure_ascii=False))
            progress.advance(task)
            progress.refresh()
    _print_load_summary(outcomes, engine)
    if outcomes and all(o.status == "failed" for o in outcomes):
        raise typer.Exit(EXIT_BAD_INPUT)


def _print_load_summary(outcomes, engine) -> None:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    t = RichTable(title=f"loaded into {_safe_url(engine)}")
    for col in ("document", "status", "agency", "year", "findings / error"):
        t.add_column(col)
    style = {"loaded": "green", "unchanged": "dim", "failed": "red", "skipped": "yellow"}
    for o in outcomes:
        t.add_row(Path(o.path).name, f"[{style[o.status]}]{o.status}[/]", o.agency or "", str(o.year or ""),
                  o.error or ", ".join(o.findings))
    err.print(t)
    err.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to load")
    _print_where(engine)


def _print_where(engine) -> None:
    """Where the warehouse is, and a first query to run on it."""
    err.print(f"warehouse: {_safe_url(engine)}")
    if engine.url.get_backend_name() == "sqlite":
        err.print(f'try: sqlite3 {engine.url.database} "SELECT agency, year, applications_received, '
                  'handled_total, failed_checks FROM bi_reports ORDER BY agency, year"')


# `gongkai crawl` and `gongkai sources`
from gongkai.cli_crawl import app as crawl_app  # noqa: E402

app.add_typer(crawl_app)

db_app = typer.Typer(help="Warehouse schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(database_url: str = DB_OPTION, revision: str = typer.Argument("head")) -> None:
    """Migrate the warehouse to the latest schema (or REVISION).

    Example: gongkai db upgrade
    """
    from storage import DB_ERRORS, upgrade

    try:
        engine = _engine(database_url)
        rev = upgrade(engine, revision)
    except DB_ERRORS as exc:
        raise _db_failed(exc, database_url)
    print(f"{_safe_url(engine)} at revision {rev}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help='Target revision; "base" drops everything.'),
                 database_url: str = DB_OPTION) -> None:
    """Migrate the warehouse down to REVISION.

    Example: gongkai db downgrade base
    """
    from storage import DB_ERRORS, downgrade

    try:
        engine = _engine(database_url)
        rev = downgrade(engine, revision)
    except DB_ERRORS as exc:
        raise _db_failed(exc, database_url)
    print(f"{_safe_url(engine)} at revision {rev or 'base'}")


@app.command()
def status(database_url: str = DB_OPTION, as_json: bool = typer.Option(False, "--json"),
           failures: int = typer.Option(10, help="How many recent failures to list.")) -> None:
    """Documents by status and the last failures with their errors.

    Example: gongkai status
    """
    from storage import DB_ERRORS, status_summary

    try:
        engine = _engine(database_url)
        s = status_summary(engine, failures=failures)
    except DB_ERRORS as exc:
        raise _db_failed(exc, database_url)
    if as_json:
        print(json.dumps(s, ensure_ascii=False, default=str))
        return
    out = Console()
    if not s.get("migrated"):
        behind = f" (at revision {s['revision']}, this gongkai needs {s['head']})" if s.get("revision") else ""
        out.print(f"{_safe_url(engine)}: not migrated yet{behind}; run `gongkai db upgrade` or `gongkai load`")
        return
    out.print(f"[bold]{_safe_url(engine)}[/bold]  revision {s['revision']}")
    out.print("documents: " + ", ".join(f"{k} {v}" for k, v in s["documents"].items()))
    out.print(f"agencies {s['agencies']}, reports {s['reports']}, cells {s['cells']}; findings "
              + ", ".join(f"{k} {v}" for k, v in s["findings"].items()))
    if s["recent_failures"]:
        t = RichTable(title="recent failures")
        for col in ("document", "path or URL", "error", "message", "run", "when"):
            t.add_column(col, overflow="fold")
        for f in s["recent_failures"]:
            run = f.get("run_name") or ""
            if f.get("run_url"):
                run = f"{run} {f['run_url']}".strip()
            t.add_row(str(f.get("filename") or f.get("sha256", "")[:12]), str(f.get("source_url") or f.get("path") or ""),
                      str(f.get("error_class")), str(f.get("error_message")), run, str(f.get("updated_at")))
        out.print(t)


@app.command()
def run(
    inbox: Optional[Path] = typer.Argument(None, help="Also process the report files in this folder (default: the "
                                           "sample inbox, when there is no sources file to crawl)."),
    sources: Optional[Path] = typer.Option(None, "--sources", help="The sources file (default $GONGKAI_SOURCES, "
                                           "else sources.yaml; none: nothing is crawled)."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Crawl only this source (repeatable)."),
    database_url: str = DB_OPTION,
    task_runner: Optional[str] = typer.Option(None, "--task-runner", help="thread (default) or dask "
                                              "(GONGKAI_DASK_ADDRESS, or a local cluster of GONGKAI_WORKERS)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run's summary as JSON."),
) -> None:
    """Run the nightly pipeline once, here: crawl the sources, process what is new or changed,
    load the warehouse, print the summary. No server to set up (Prefect runs in-process);
    documents already loaded are skipped, so running it again is cheap and safe.

    Exit status 1 when a document failed (it is listed, and in `gongkai status`).

    Example: gongkai run --sources sources.yaml
    """
    import subprocess

    from crawl.sources import sources_path

    if inbox is None and sources is None and not sources_path(None).exists() and SAMPLE_INBOX.is_dir():
        err.print(f"no sources file ({sources_path(None)}): processing the sample inbox {SAMPLE_INBOX}")
        inbox = SAMPLE_INBOX
    crawling = sources is not None or sources_path(None).exists()
    quick = None if crawling else _nothing_new(inbox, database_url)
    if quick is not None:  # nothing to crawl and nothing new: no flow to run, no server to start
        result = {"ok": True, "state": "Completed", "message": "nothing new", "seconds": None, "summary": quick}
        if as_json:
            print(json.dumps({k: v for k, v in result.items() if k != "summary"} | quick, ensure_ascii=False))
        else:
            _print_run_summary(result)
            _print_where(_engine(database_url))
        return
    # The flow runs in a child process (`python -m flows`): the orchestration sits above the
    # application, which never imports it; the child's log goes to our stderr.
    cmd = [sys.executable, "-m", "flows", "run", *([str(inbox)] if inbox else [])]
    for flag, value in (("--sources", sources), ("--database-url", database_url), ("--task-runner", task_runner)):
        if value:
            cmd += [flag, str(value)]
    for name in only or []:
        cmd += ["--only", name]
    child = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    try:
        result = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        print(f"gongkai: the run ended without a result (exit status {child.returncode})", file=sys.stderr)
        raise typer.Exit(EXIT_BAD_INPUT)
    if as_json:
        print(json.dumps({k: v for k, v in result.items() if k != "summary"} | result["summary"], ensure_ascii=False,
                         default=str))
    else:
        _print_run_summary(result)
        _print_where(_engine(database_url))
    if not result["ok"]:
        raise typer.Exit(EXIT_BAD_INPUT)


def _nothing_new(inbox: Path | None, database_url: str | None) -> dict | None:
    """The run's summary when an inbox holds nothing the warehouse has not finished (the
    nightly flow's own selection, `gongkai.process.plan`), else None: there is work to do."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from gongkai import summary as report
    from gongkai.documents import refs_from_folder, unique
    from gongkai.process import max_attempts_setting, plan
    from storage import current_revision, head_revision

    engine = _engine(database_url)
    if current_revision(engine) != head_revision():  # a new or older warehouse: the flow migrates it
        return None
    refs = unique(refs_from_folder(inbox)) if inbox else []
    chosen = plan(engine, refs, max_attempts_setting())
    if chosen.todo:
        return None
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    note = None if refs else "no documents found: no sources file to crawl and no inbox"
    return report.build("nightly", today, [], found=len(refs), new=0, already=chosen.already,
                        given_up=chosen.given_up, note=note)


def _print_run_summary(result: dict) -> None:
    s = result["summary"]
    docs = s.get("documents") or {}
    took = f" in {result['seconds']:.0f}s" if result.get("seconds") is not None else ""
    t = RichTable(title=f"gongkai run {s.get('date', '')}: {result['state']}{took}")
    for k in docs:
        t.add_column(k.replace("_", " "), justify="right")
    t.add_row(*(str(v) for v in docs.values()))
    err.print(t)
    if s.get("crawl"):
        c = s["crawl"]
        err.print(f"crawl: {c['pages']} pages, {c['reports']} reports ({c['new']} new, {c['unchanged']} unchanged, "
                  f"{c['failed']} failed)")
    if s.get("findings_by_rule"):
        err.print("findings: " + ", ".join(f"{r} {n}" for r, n in list(s["findings_by_rule"].items())[:10]))
    for f in (s.get("failed") or [])[:20]:
        err.print(f"[red]✗[/] {f['where'] or f['document']}: {f['error']}", highlight=False)
    if s.get("note"):
        err.print(s["note"], style="dim")
    if not s and result.get("message"):
        err.print(f"gongkai: {result['message']}")


@app.command()
def export(
    out_dir: Path = typer.Option(Path("export"), "--out", "-o", help="Folder for the files."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or parquet."),
    bom: bool = typer.Option(True, "--bom/--no-bom", help="Start CSV files with a UTF-8 byte-order mark, so "
                             "that Excel (Chinese Windows too) reads them as UTF-8 (default: on)."),
    database_url: str = DB_OPTION,
) -> None:
    """Export the BI views (bi_reports, bi_cells, bi_findings) as CSV or Parquet files.

    Example: gongkai export --format csv -o export/
    """
    from storage import DB_ERRORS, ExportError, export_views

    if fmt not in ("csv", "parquet"):
        err.print(f"gongkai: --format must be csv or parquet, not {fmt!r}")
        raise typer.Exit(2)
    try:
        files = export_views(_engine(database_url), out_dir, fmt, bom=bom)  # type: ignore[arg-type]
    except ExportError as exc:
        print(f"gongkai: {exc}", file=sys.stderr)
        raise typer.Exit(EXIT_BAD_INPUT)
    except DB_ERRORS as exc:
        raise _db_failed(exc, database_url)
    for f in files:
        print(f)
