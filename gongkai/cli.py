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

import typer
from rich.console import Console
from rich.table import Table as RichTable

from gongkai import __version__
from gongkai.errors import GongkaiError
from gongkai.record import Record

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="gongkai (公开): government information disclosure annual reports → a queryable warehouse.")
err = Console(stderr=True)

EXIT_BAD_INPUT = 1


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
    from gongkai.pipeline import expand_paths, extract_document, extract_group

    label = files[0] if len(files) == 1 else Path(", ".join(map(str, files)))
    try:
        paths = expand_paths(files)
        if not paths:
            raise GongkaiError("no files")
        if document:
            docs = [extract_document(p).to_dict() for p in paths]
            print(json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=1, default=str))
            return
        record = extract_group(paths)
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
    from normalize import template as T

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
    from normalize import template as T

    t = RichTable(title="二 主动公开政府信息情况", show_header=True)
    t.add_column("row")
    t.add_column("values")
    for r in T.ACTIVE_ROWS[record.template]:
        vals = ", ".join(f"{c.label}={_fmt(record.cells.get(f'active.{r.key}.{c.key}'))}" for c in r.columns)
        t.add_row(r.label, vals)
    return t


def _apply_table(record: Record) -> RichTable:
    from normalize import template as T

    from normalize.labels import key

    t = RichTable(title="三 收到和处理政府信息公开申请情况")
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
    from normalize import template as T

    t = RichTable(title="四 政府信息公开行政复议、行政诉讼情况")
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
    from gongkai.pipeline import extract_record

    files = [p for path in paths for p in (sorted(x for x in path.rglob("*") if x.is_file())
                                           if path.is_dir() else [path])]
    sink = out.open("w", encoding="utf-8") if out else sys.stdout
    ok = failed = 0
    try:
        for f in files:
            try:
                rec = extract_record(f)
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
def version() -> None:
    """Print gongkai's version.

    Example: gongkai version
    """
    print(__version__)


def main() -> None:  # pragma: no cover
    app()
