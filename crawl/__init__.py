"""The crawler: find annual reports (政府信息公开工作年度报告) on government sites and fetch them.

The layers, in the order a URL meets them:

* `sources`   — which sites to crawl (a YAML file, validated with pydantic);
* `discover`  — what a fetched page links to: more list pages, report pages, report files,
  using the pure per-CMS link parsers in `cms/` and the title rules in `classify`;
* `http`      — everything about fetching one URL politely and within bounds (robots.txt,
  per-host slots, retries, conditional GET, size and time caps, content sniffing);
* `rawstore` / `state` — where the bytes go (content-addressed) and what was fetched when
  (per-URL ETag / Last-Modified / sha256, so a re-crawl downloads only what changed);
* `run`       — the loop that wires them together and yields `FoundReport`s;
* `urls`      — report URLs fetched one by one, and the crawl of a sources file (what the
  flows call). The commands `gongkai crawl` / `gongkai sources` live in the application
  (`gongkai/cli_crawl.py`).
"""
from crawl.model import CrawlSummary, Fetched, FoundReport, Link
from crawl.settings import CrawlSettings

__all__ = ["CrawlSettings", "CrawlSummary", "Fetched", "FoundReport", "Link"]
