"""sources.yaml: validated with clear messages; `sources add` keeps the file's comments."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongkai.cli_crawl import app
from crawl.settings import CrawlSettings
from crawl.sources import SourcesError, add_source, load_sources, one_off_source, parse_sources

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_the_example_file_is_valid():
    f = load_sources(ROOT / "sources.example.yaml")
    assert {s.cms for s in f.sources} >= {"hanweb", "trs", "gkmlpt"}
    assert all(u.startswith("https://") for s in f.sources for u in s.start_urls)


def test_errors_name_the_source_and_the_field():
    text = """
sources:
  - name: good
    url: https://a.gov.cn/zfxxgknb/
  - name: bad
    start_urls: [ftp://b.gov.cn/]
    cms: joomla
    include: ['(']
    limits: {max_pages: 0, speed: 3}
  - name: good
    url: https://c.gov.cn/
"""
    with pytest.raises(SourcesError) as exc:
        parse_sources(text, "sources.yaml")
    msg = str(exc.value)
    assert msg.startswith("sources.yaml: invalid sources file")
    for line in ("sources[1] (bad): start_urls: 'ftp://b.gov.cn/' is not an http(s) URL",
                 "sources[1] (bad): cms: Input should be 'auto', 'hanweb', 'trs', 'gkmlpt' or 'generic'",
                 "sources[1] (bad): include: '(' is not a valid regular expression",
                 "sources[1] (bad): limits.max_pages: Input should be greater than 0",
                 "sources[1] (bad): limits.speed: Extra inputs are not permitted"):
        assert line in msg, msg
    with pytest.raises(SourcesError, match="two sources are named 'good'"):
        parse_sources("sources:\n - {name: good, url: 'https://a.gov.cn/'}\n - {name: good, url: 'https://b.gov.cn/'}\n")
    with pytest.raises(SourcesError, match="not valid YAML"):
        parse_sources("sources: [", "x.yaml")


def test_add_keeps_comments_and_validates(tmp_path):
    p = tmp_path / "sources.yaml"
    p.write_text("# my sites\nsources:\n  - name: a  # first\n    url: https://a.gov.cn/xxgknb/\n", encoding="utf-8")
    add_source(p, "b", "https://b.gov.cn/col/col1/index.html", cms="hanweb", agency="某市财政局",
               limits={"delay_s": 5})
    text = p.read_text(encoding="utf-8")
    assert "# my sites" in text and "# first" in text and "某市财政局" in text
    f = load_sources(p)
    assert [s.name for s in f.sources] == ["a", "b"] and f.get("b").limits.delay_s == 5
    with pytest.raises(SourcesError, match="already exists"):
        add_source(p, "b", "https://b.gov.cn/")
    with pytest.raises(SourcesError, match="not an http"):
        add_source(p, "c", "b.gov.cn")
    with pytest.raises(SourcesError, match="no source named 'zz' \\(known: a, b\\)"):
        f.get("zz")


def test_source_limits_narrow_the_settings():
    s = parse_sources("sources:\n - {name: a, url: 'https://a.gov.cn/', limits: {concurrency: 1, delay_s: 7, max_pages: 3}}").sources[0]
    ss = CrawlSettings().for_source(s.limits)
    assert (ss.per_host, ss.delay_s, ss.max_pages) == (1, 7, 3)


def test_one_off_source_allows_its_host_only():
    s = one_off_source("https://www.mohrss.gov.cn/xxgk2020/zfxxgknb/")
    assert s.allows_host("www.mohrss.gov.cn") and not s.allows_host("mohrss.gov.cn")


def test_cli_sources_add_and_list(tmp_path, monkeypatch):
    p = tmp_path / "s.yaml"
    res = runner.invoke(app, ["sources", "add", "mohrss", "https://www.mohrss.gov.cn/xxgk2020/zfxxgknb/",
                              "--cms", "trs", "--concurrency", "1", "--sources", str(p)])
    assert res.exit_code == 0, res.output
    monkeypatch.setenv("GONGKAI_SOURCES", str(p))
    res = runner.invoke(app, ["sources", "list", "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == {"name": "mohrss", "start_urls": ["https://www.mohrss.gov.cn/xxgk2020/zfxxgknb/"],
                                      "cms": "trs", "limits": {"concurrency": 1}}
    res = runner.invoke(app, ["sources", "add", "bad name", "https://x.gov.cn/"])
    assert res.exit_code == 1 and "name: String should match pattern" in res.stderr


def test_cli_crawl_unknown_source_is_one_clean_line(tmp_path, monkeypatch):
    p = tmp_path / "s.yaml"
    p.write_text("sources:\n - {name: a, url: 'https://a.gov.cn/'}\n", encoding="utf-8")
    res = runner.invoke(app, ["crawl", "nope", "--sources", str(p)])
    assert res.exit_code == 1 and res.stderr.strip() == "gongkai: no source named 'nope' (known: a)"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GONGKAI_SOURCES", raising=False)
    res = runner.invoke(app, ["crawl"])
    assert res.exit_code == 1 and "no sources file" in res.stderr


def test_every_command_has_an_example():
    import typer.main
    group = typer.main.get_command(app)
    cmds = [group.commands["crawl"], *group.commands["sources"].commands.values()]
    assert all("Example: gongkai " in (c.help or "") for c in cmds)
