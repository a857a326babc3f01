"""What a run says when it ends: counts, findings by rule, the failed documents (each with
its file's path or URL, its error, and the name and link of its `process-document` run).
Plain data and Markdown; the flows publish them as artifacts, the CLI prints them.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from gongkai.process import Outcome

COUNTED = ("loaded", "unchanged", "skipped", "failed", "busy")
MAX_LISTED = 200


def build(kind: str, date: str, outcomes: Iterable[Outcome], *, found: int, new: int, already: int,
          given_up: int = 0, findings: dict[str, int] | None = None, crawl: dict[str, Any] | None = None,
          note: str | None = None) -> dict[str, Any]:
    """The run's summary.

    documents.found: distinct documents the run saw; .new: the ones it processed (new bytes,
    or not finished before); .unchanged: already loaded or skipped before, so not processed
    again, plus processed ones whose record had not changed; .given_up: failed
    `max_attempts` times already and not retried (use `reprocess`)."""
    outcomes = list(outcomes)
    status = Counter(o.status for o in outcomes)
    docs = {"found": found, "new": new, **{s: status.get(s, 0) for s in COUNTED}}
    docs["unchanged"] += already
    docs["given_up"] = given_up
    failed = [{"document": o.name, "where": o.url or o.path, "sha256": o.sha256, "error": o.error,
               "error_class": o.error_class, "run_name": o.run_name, "run": o.run_url}
              for o in outcomes if o.status == "failed"]
    return {"kind": kind, "date": date, "documents": docs, "findings_by_rule": findings or {},
            "crawl": _crawl(crawl), "failed": failed, "note": note}


def _crawl(crawl: dict[str, Any] | None) -> dict[str, Any] | None:
    if crawl is None:
        return None
    keep = ("pages", "reports", "new", "unchanged", "failed", "downloads", "not_modified", "robots_blocked")
    out = {k: crawl.get(k, 0) for k in keep}
    out["errors"] = len(crawl.get("errors") or [])
    out["skipped"] = len(crawl.get("skipped") or [])  # old reports and look-alikes, each with its reason
    return out


def failure_message(summary: dict[str, Any]) -> str | None:
    """Why the run is Failed (None when it is not): the count and the first few documents."""
    failed = summary["failed"]
    if not failed:
        return None
    docs = summary["documents"]
    head = "; ".join(f"{f['where'] or f['document']}: {f['error']}" for f in failed[:3])
    more = f"; and {len(failed) - 3} more" if len(failed) > 3 else ""
    return (f"{len(failed)} of {docs['new']} documents failed ({head}{more}). "
            f"See the {summary['kind']}-summary artifact; each failed document has a retryable "
            "process-document run." if any(f["run_name"] for f in failed) else
            f"{len(failed)} of {docs['new']} documents failed ({head}{more}). "
            f"See the {summary['kind']}-summary artifact.")


def markdown(summary: dict[str, Any]) -> str:
    d = summary["documents"]
    lines = [f"# gongkai {summary['kind']} {summary['date']}", "",
             "| documents | found | new | unchanged | loaded | skipped | failed | busy | given up |",
             "|---|---|---|---|---|---|---|---|---|",
             f"| | {d['found']} | {d['new']} | {d['unchanged']} | {d['loaded']} | {d['skipped']} | "
             f"**{d['failed']}** | {d['busy']} | {d['given_up']} |", ""]
    if summary["crawl"]:
        c = summary["crawl"]
        lines += ["## Crawl", "", f"{c['pages']} pages, {c['reports']} reports found: {c['new']} new, "
                  f"{c['unchanged']} unchanged, {c['failed']} failed; {c['downloads']} downloads, "
                  f"{c['not_modified']} not modified, {c['robots_blocked']} refused by robots.txt, "
                  f"{c['errors']} errors; {c['skipped']} skipped (old reports, look-alikes).", ""]
    if summary["findings_by_rule"]:
        lines += ["## Findings of the reports loaded (by rule)", "", "| rule | reports' findings |", "|---|---|"]
        lines += [f"| `{rule}` | {n} |" for rule, n in summary["findings_by_rule"].items()]
        lines.append("")
    if summary["failed"]:
        lines += ["## Failed documents", "",
                  "Each links to its `process-document` run: fix the cause, then press **Retry** there.", "",
                  "| document | path or URL | sha256 | error | run |", "|---|---|---|---|---|"]
        for f in summary["failed"][:MAX_LISTED]:
            run = f"[{f['run_name']}]({f['run']})" if f["run"] and f["run_name"] else (f["run_name"] or "—")
            lines.append(f"| {_cell(f['document'])} | {_cell(f['where'])} | {(f['sha256'] or '')[:12]} | "
                         f"{_cell(f['error'])[:300]} | {run} |")
        if len(summary["failed"]) > MAX_LISTED:
            lines.append(f"| … {len(summary['failed']) - MAX_LISTED} more | | | | |")
        lines.append("")
    if summary["note"]:
        lines += [f"> {summary['note']}", ""]
    return "\n".join(lines)


def _cell(text: str | None) -> str:
    """Text safe inside a Markdown table cell."""
    return (text or "").replace("|", "\\|").replace("\n", " ")
