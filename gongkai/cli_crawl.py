"""`gongkai crawl` and `gongkai sources`: a thin layer over `crawl.run.crawl`, and with
`--load` over the one processing path (`gongkai.process`).

Mounted by `gongkai.cli` (its commands join the parent's: `crawl`, and the `sources` group). Exit status: 0 the crawl ran (per-URL failures are in the summary and
the `--json` lines), 1 the sources file or a source name is wrong, 2 usage (typer's own).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from crawl.model import CrawlSummary, FoundReport
from crawl.settings import SOURCES_ENV, CrawlSettings
from core.errors import GongkaiError

if TYPE_CHECKING:
    from crawl.sources import Source

app = typer.Typer(add_completion=False, help="Crawl government sites for annual reports.")
sources_app = typer.Typer(add_completion=False, no_args_is_help=True,
                          help=f"The sites to crawl: sources.yaml (or ${SOURCES_ENV}, or --sources).")
app.add_typer(sources_app, name="sources")
err = Console(stderr=True)
EXIT_BAD_SOURCES = 1

SourcesOpt = typer.Option(None, "--sources", envvar=SOURCES_ENV, help="The sources file (default sources.yaml).")


def _fail(message: str) -> None:
    print(f"gongkai: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_BAD_SOURCES)


def resolve_targets(targets: list[str], sources_file: Path | None, *, allow_private: bool = False,
                    cms: str = "auto") -> list[Source]:
    """Source names and URLs → sources. No target: every source in the file. A URL is a
    one-off source: its host allowed, nothing else."""
    urls = [t for t in targets if t.startswith(("http://", "https://"))]
    names = [t for t in targets if t not in urls]
    from crawl.sources import SourcesError, load_sources, one_off_source, sources_path

    out = [one_off_source(u, cms=cms, allow_private=allow_private) for u in urls]  # type: ignore[arg-type]
    if names or not targets:
        file = load_sources(sources_file)
        out += [file.get(n) for n in names] if names else list(file.sources)
        if not out:
            raise SourcesError(f"{sources_path(sources_file)}: no sources to crawl")
    return out


def run_crawl(sources: list[Source], settings: CrawlSettings, *, dry_run: bool = False,
              on_report: Callable[[FoundReport], None] | None = None, progress: bool = True,
              **kwargs) -> CrawlSummary:
    """Crawl with a progress line on stderr; `on_report` sees each report (the lead's hook for
    registering documents in the warehouse)."""
    from crawl.run import crawl

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not progress) as bar:
        task = bar.add_task("starting", total=None)

        def tick(url: str, s: CrawlSummary) -> None:
            bar.update(task, description=f"pages {s.pages} · reports {s.reports} · new {s.new} · "
                                         f"unchanged {s.unchanged} · failed {s.failed}  {url[-60:]}")

        run = crawl(sources, settings, dry_run=dry_run, on_fetch=tick, **kwargs)
        for report in run:
            if on_report:
                on_report(report)
            tick(report.url, run.summary)
    return run.summary


def print_summary(summary: CrawlSummary, *, dry_run: bool, console: Console = err) -> None:
    t = Table(title="dry run: nothing saved" if dry_run else "crawl", show_header=False)
    for label, value in (("pages visited", summary.pages), ("reports found", summary.reports),
                         *((("would fetch", summary.planned),) if dry_run else
                           (("new", summary.new), ("unchanged", summary.unchanged), ("failed", summary.failed))),
                         ("bodies downloaded", summary.downloads), ("304 not modified", summary.not_modified),
                         ("robots.txt refused", summary.robots_blocked), ("skipped", len(summary.skipped))):
        t.add_row(label, str(value))
    console.print(t)
    for s in summary.skipped[:20]:
        console.print(f"[yellow]skipped[/] {s['title'] or s['url']}  ({s['skipped']})", highlight=False, soft_wrap=True)
    for url, message in summary.errors[:20]:
        console.print(f"[red]✗[/] {url}  {message}", highlight=False, soft_wrap=True)
    if len(summary.errors) > 20:
        console.print(f"… and {len(summary.errors) - 20} more errors")


@app.command("crawl")
def crawl_command(
    targets: Optional[list[str]] = typer.Argument(None, help="Source names or URLs (default: every source)."),
    sources: Optional[Path] = SourcesOpt,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line per report found."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be fetched; save nothing."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="Allow loopback/private addresses (tests, intranet mirrors)."),
    cms: str = typer.Option("auto", "--cms", help="CMS family of a URL target: auto|hanweb|trs|gkmlpt|generic."),
    delay: Optional[float] = typer.Option(None, "--delay", help="Seconds between two requests to a host."),
    per_host: Optional[int] = typer.Option(None, "--per-host", help="Requests in flight per host."),
    max_pages: Optional[int] = typer.Option(None, "--max-pages", help="Pages per source."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress line and no summary."),
    database_url: Optional[str] = typer.Option(None, "--database-url", envvar="GONGKAI_DATABASE_URL",
                                               help="Warehouse that records each fetched file (URL → sha256)."),
    load: bool = typer.Option(False, "--load", help="Also extract and load each new report into the warehouse."),
) -> None:
    """Find annual reports on the sources' sites and fetch them (only what changed).

    Every fetched file is registered in the warehouse's `documents` table (URL, page it was
    linked from, sha256, ETag/Last-Modified); `--load` also processes new reports at once
    (the nightly flow does that otherwise).

    Example: gongkai crawl wuwei-bumen --json
    """
    changes = {k: v for k, v in (("delay_s", delay), ("per_host", per_host), ("max_pages", max_pages)) if v is not None}
    try:
        settings = CrawlSettings(allow_private=allow_private, **changes)
        chosen = resolve_targets(targets or [], sources, allow_private=allow_private, cms=cms)
    except (GongkaiError, ValueError) as exc:
        _fail(str(exc))
        return
    out = Console(soft_wrap=True, highlight=False)
    register = None if dry_run else _warehouse_hook(database_url, load)

    def show(rep: FoundReport) -> None:
        if register:
            register(rep)
        if as_json:
            print(json.dumps(rep.to_json(), ensure_ascii=False), flush=True)
        else:
            colour = {"new": "green", "unchanged": "dim", "failed": "red", "planned": "cyan"}[rep.status]
            out.print(f"[{colour}]{rep.status:9}[/] {rep.kind:11} {rep.year or '----'} "
                      f"{rep.agency or '?'}  {rep.url}" + (f"  [red]{rep.error}[/]" if rep.error else ""))

    summary = run_crawl(chosen, settings, dry_run=dry_run, on_report=show, progress=not quiet)
    if as_json:
        for skipped in summary.skipped:
            print(json.dumps(skipped, ensure_ascii=False), flush=True)
    if not quiet:
        print_summary(summary, dry_run=dry_run)


def _warehouse_hook(database_url: str | None, load: bool) -> Callable[[FoundReport], None]:
    """Register every fetched file as a document (lineage URL → sha256); with `load`, process
    the new reports (extract → normalize → validate → load) as they arrive, through the same
    path as `gongkai load` and the flows (`gongkai.process.process`)."""
    from gongkai.documents import ref_from_report
    from gongkai.process import process
    from storage import DocumentInfo, database_url as resolve_url, get_engine, register_document, upgrade

    engine = get_engine(resolve_url(database_url))
    upgrade(engine)

    def hook(rep: FoundReport) -> None:
        for f in rep.files:
            if f.sha256:
                register_document(engine, DocumentInfo(**f.document_fields()))
        if load and rep.status == "new" and rep.members():
            process(engine, ref_from_report(rep))

    return hook


@sources_app.command("add")
def sources_add(
    name: str = typer.Argument(..., help="A short name: letters, digits, - and _."),
    url: list[str] = typer.Argument(..., help="Start URL(s): the annual-report column, the 政务公开 page or the home page."),
    sources: Optional[Path] = SourcesOpt,
    cms: str = typer.Option("auto", "--cms", help="auto|hanweb|trs|gkmlpt|generic"),
    agency: Optional[str] = typer.Option(None, "--agency", help="Agency, when listings do not name it."),
    region: Optional[str] = typer.Option(None, "--region"),
    include: Optional[list[str]] = typer.Option(None, "--include", help="Regex a list page URL must match."),
    exclude: Optional[list[str]] = typer.Option(None, "--exclude", help="Regex of URLs never to fetch."),
    max_pages: Optional[int] = typer.Option(None, "--max-pages"),
    max_documents: Optional[int] = typer.Option(None, "--max-documents"),
    delay: Optional[float] = typer.Option(None, "--delay"),
    concurrency: Optional[int] = typer.Option(None, "--concurrency"),
) -> None:
    """Add a site to the sources file (created when missing).

    Example: gongkai sources add mohrss https://www.mohrss.gov.cn/xxgk2020/zfxxgknb/ --cms trs
    """
    limits = {k: v for k, v in (("max_pages", max_pages), ("max_documents", max_documents),
                                ("delay_s", delay), ("concurrency", concurrency)) if v is not None}
    from crawl.sources import add_source, sources_path  # pydantic models: loaded when used

    try:
        src = add_source(sources, name, url, cms=cms if cms != "auto" else None, agency=agency, region=region,
                         include=include or None, exclude=exclude or None, limits=limits or None)
    except GongkaiError as exc:
        _fail(str(exc))
        return
    err.print(f"added {src.name} ({', '.join(src.start_urls)}) to {sources_path(sources)}")


@sources_app.command("list")
def sources_list(sources: Optional[Path] = SourcesOpt,
                 as_json: bool = typer.Option(False, "--json", help="One JSON object per source.")) -> None:
    """List (and validate) the sources.

    Example: gongkai sources list --json
    """
    from crawl.sources import load_sources

    try:
        file = load_sources(sources)
    except GongkaiError as exc:
        _fail(str(exc))
        return
    if as_json:
        for s in file.sources:
            print(json.dumps(s.model_dump(exclude_defaults=True), ensure_ascii=False))
        return
    t = Table("name", "cms", "start URLs", "agency", "limits")
    for s in file.sources:
        t.add_row(s.name, s.cms, "\n".join(s.start_urls), s.agency or "",
                  ", ".join(f"{k}={v}" for k, v in s.limits.model_dump(exclude_none=True).items()))
    Console().print(t)
