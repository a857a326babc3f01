"""One processing path: a report posted as pictures on an article page is the same document
and the same report whether `gongkai crawl --load`, `gongkai load` or `gongkai run` meets it."""
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ocr_fixtures as F
from crawl_site import Route, SiteServer, page
from gongkai.cli import app
from test_ocr_enrich import T4_VALUES

pytestmark = pytest.mark.integration

TITLE = "测试市审计局2023年政府信息公开工作年度报告（图片版）"
ARTICLE = "/art/2024/1/20/art_7_1001.html"


def site_routes() -> dict[str, Route]:
    t3 = F.to_bytes(F.render(F.table3_layout(F.sample_values()), font_px=20))
    t4 = F.to_bytes(F.render(F.table4_layout(T4_VALUES), font_px=20))
    listing = page("政府信息公开年报", f'<ul><li><a href="{ARTICLE}">{TITLE}</a><span>2024-01-20</span></li></ul>')
    # Absolute picture paths, as CMSs write them: a page saved alone cannot resolve them.
    article = page(TITLE, "<div id=\"zoom\"><p>测试市审计局2023年政府信息公开工作年度报告如下（图片版）。</p>"
                          '<p><img src="/pic/2024/t3.png" width="900"></p><p><img src="/pic/2024/t4.png" width="900"></p></div>')
    return {"/xxgk/ndbg/index.html": Route(listing.encode()), ARTICLE: Route(article.encode()),
            "/pic/2024/t3.png": Route(t3, "image/png"), "/pic/2024/t4.png": Route(t4, "image/png"),
            "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain")}


def warehouse(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        return {
            "reports": conn.execute("SELECT agency_name, year FROM reports").fetchall(),
            "documents": sorted(conn.execute("SELECT sha256, format FROM documents").fetchall(), key=str),
            "report_documents": conn.execute("SELECT DISTINCT d.sha256 FROM report_documents rd JOIN documents d "
                                             "ON d.id = rd.document_id").fetchall(),
            "cells": sorted(conn.execute("SELECT code, value FROM report_cells").fetchall(), key=str),
        }


def test_a_picture_report_is_one_report_whichever_command_loads_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no sources.yaml here: `gongkai run` takes the inbox alone
    runner = CliRunner()
    with SiteServer(site_routes()) as site:
        crawled = tmp_path / "crawl.sqlite"
        res = runner.invoke(app, ["crawl", f"{site.url}/xxgk/ndbg/index.html", "--allow-private", "--delay", "0",
                                  "--load", "--database-url", f"sqlite:///{crawled}", "--json"])
        assert res.exit_code == 0, res.output
    by_crawl = warehouse(crawled)
    assert len(by_crawl["reports"]) == 1 and by_crawl["reports"][0][0] == "测试市审计局"
    [group] = [sha for sha, fmt in by_crawl["documents"] if fmt == "group"]
    assert by_crawl["report_documents"] == [(group,)] and len(by_crawl["documents"]) == 4  # the group + 3 files

    # The same files dropped into an inbox as one folder (as an operator saves a page and its pictures).
    inbox = tmp_path / "inbox"
    (inbox / "audit-2023").mkdir(parents=True)
    raw = tmp_path / "data" / "raw"
    for sha, fmt in by_crawl["documents"]:
        if fmt != "group":
            stored = next(raw.rglob(sha + "*"))
            shutil.copy(stored, inbox / "audit-2023" / sha)

    loaded = tmp_path / "load.sqlite"
    res = runner.invoke(app, ["load", str(inbox), "--database-url", f"sqlite:///{loaded}"])
    assert res.exit_code == 0, res.output
    ran = tmp_path / "run.sqlite"
    res = runner.invoke(app, ["run", str(inbox), "--database-url", f"sqlite:///{ran}"])
    assert res.exit_code == 0, res.output

    by_load, by_run = warehouse(loaded), warehouse(ran)
    assert by_load["documents"] == by_crawl["documents"] == by_run["documents"]
    assert by_load["report_documents"] == by_crawl["report_documents"] == by_run["report_documents"]
    assert by_load["reports"] == by_crawl["reports"] == by_run["reports"]
    assert by_load["cells"] == by_crawl["cells"] == by_run["cells"]
    t4_cells = [v for code, v in by_crawl["cells"] if code.startswith(("review.", "suit_"))]
    assert sorted(t4_cells) == sorted(T4_VALUES)

    # And all three on one warehouse: still one report, one document set.
    for argv in (["load", str(inbox)], ["run", str(inbox)]):
        res = runner.invoke(app, [*argv, "--database-url", f"sqlite:///{crawled}"])
        assert res.exit_code == 0, res.output
    assert warehouse(crawled) == by_crawl
