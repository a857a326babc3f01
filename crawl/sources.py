"""The sites to crawl: a YAML file (`sources.yaml`, or `$GONGKAI_SOURCES`, or `--sources`).

    sources:
      - name: wuwei-bumen                 # letters, digits, - and _ (used on the command line)
        start_urls: [https://www.gswuwei.gov.cn/col/col29411/index.html]
        cms: hanweb                       # auto | hanweb | trs | gkmlpt | generic
        agency: 武威市人民政府              # used only when a listing title names no agency
        region: 甘肃省武威市
        include: ['/col/col2941\\d/']      # regexes on URLs; list pages must match one (if any)
        exclude: ['/zcjd/']               # regexes on URLs never to fetch
        hosts: [file.gswuwei.gov.cn]      # other hosts the source may fetch from
        limits: {max_pages: 200, max_documents: 500, delay_s: 3, concurrency: 1}

Validated with pydantic; `load_sources` turns its errors into one message per problem that
names the file, the source and the field.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import GongkaiError
from crawl.settings import SOURCES_ENV

DEFAULT_SOURCES = "sources.yaml"
Cms = Literal["auto", "hanweb", "trs", "gkmlpt", "generic"]


class SourcesError(GongkaiError):
    """The sources file is missing, unreadable or invalid."""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_pages: int | None = Field(None, gt=0, description="list + detail pages per crawl")
    max_documents: int | None = Field(None, gt=0, description="reports per crawl")
    delay_s: float | None = Field(None, ge=0, description="seconds between two requests to a host")
    concurrency: int | None = Field(None, gt=0, le=16, description="requests in flight per host")
    max_depth: int | None = Field(None, ge=0, le=10, description="list-page hops from a start URL")


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[\w][\w.\-]*$", max_length=80)
    start_urls: list[str] = Field(min_length=1)
    cms: Cms = "auto"
    agency: str | None = None
    region: str | None = None
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list)
    allow_private: bool = False
    limits: Limits = Field(default_factory=Limits)

    @model_validator(mode="before")
    @classmethod
    def _url_alias(cls, data):
        if isinstance(data, dict) and "url" in data and "start_urls" not in data:
            data = {**data, "start_urls": [data["url"]]}
            data.pop("url")
        if isinstance(data, dict) and isinstance(data.get("start_urls"), str):
            data = {**data, "start_urls": [data["start_urls"]]}
        return data

    @field_validator("start_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for u in urls:
            parts = urlsplit(u)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{u!r} is not an http(s) URL")
        return urls

    @field_validator("include", "exclude")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"{p!r} is not a valid regular expression ({exc})") from None
        return patterns

    @property
    def allowed_hosts(self) -> set[str]:
        hosts = {(urlsplit(u).hostname or "").lower() for u in self.start_urls}
        return hosts | {h.lower() for h in self.hosts}

    def allows_host(self, host: str) -> bool:
        """`host` as `host[:port]` (what `politeness.host_of` gives)."""
        from crawl.politeness import hostname_of
        return hostname_of(host) in self.allowed_hosts

    def wanted(self, url: str, *, is_list: bool = False) -> bool:
        """Not excluded; and a list page must match an `include` pattern when there are any."""
        if any(re.search(p, url) for p in self.exclude):
            return False
        if is_list and self.include:
            return any(re.search(p, url) for p in self.include)
        return True


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "SourcesFile":
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"two sources are named {s.name!r}")
            seen.add(s.name)
        return self

    def get(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise SourcesError(f"no source named {name!r} (known: {known})")


def sources_path(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get(SOURCES_ENV) or DEFAULT_SOURCES)


def _describe(exc: ValidationError, data: dict, path: Path) -> str:
    lines = [f"{path}: invalid sources file"]
    for err in exc.errors():
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
            try:
                name = data["sources"][loc[1]].get("name")
            except (KeyError, IndexError, AttributeError, TypeError):
                name = None
            where = f"sources[{loc[1]}]" + (f" ({name})" if name else "")
            loc = loc[2:]
        field = ".".join(str(x) for x in loc)
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}{': ' if where and field else ''}{field}: {msg}" if field or where
                     else f"  {msg}")
    return "\n".join(lines)


def parse_sources(text: str, path: Path | str = "<sources>") -> SourcesFile:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML ({exc})") from None
    if isinstance(data, list):
        data = {"sources": data}
    if not isinstance(data, dict):
        raise SourcesError(f"{path}: expected a mapping with a 'sources' list")
    try:
        return SourcesFile.model_validate(data)
    except ValidationError as exc:
        raise SourcesError(_describe(exc, data, Path(path))) from None


def load_sources(path: str | Path | None = None, *, missing_ok: bool = False) -> SourcesFile:
    p = sources_path(path)
    if not p.exists():
        if missing_ok:
            return SourcesFile()
        raise SourcesError(f"{p}: no sources file (create one with `gongkai sources add NAME URL`, "
                           f"or set {SOURCES_ENV})")
    return parse_sources(p.read_text(encoding="utf-8"), p)


def _entry(source: Source) -> dict:
    d = source.model_dump(exclude_defaults=True)
    d.setdefault("name", source.name)
    d.setdefault("start_urls", source.start_urls)
    return {k: d[k] for k in ("name", "start_urls", *sorted(set(d) - {"name", "start_urls"}))}


def add_source(path: str | Path | None, name: str, url: str | list[str], **fields) -> Source:
    """Append a source to the file (created when missing) and return it. Existing entries and
    their comments are kept: the new entry is appended as text, then the file is re-validated."""
    p = sources_path(path)
    current = load_sources(p, missing_ok=True)
    urls = [url] if isinstance(url, str) else list(url)
    fields = {k: v for k, v in fields.items() if v not in (None, [], {})}
    try:
        source = Source.model_validate({"name": name, "start_urls": urls, **fields})
    except ValidationError as exc:
        raise SourcesError(_describe(exc, {}, p).replace("invalid sources file", f"invalid source {name!r}")) from None
    if any(s.name == name for s in current.sources):
        raise SourcesError(f"{p}: a source named {name!r} already exists")
    block = yaml.safe_dump([_entry(source)], allow_unicode=True, sort_keys=False, default_flow_style=None)
    block = "".join("  " + line if line.strip() else line for line in block.splitlines(True))
    old = p.read_text(encoding="utf-8") if p.exists() else ""
    if not old.strip() or not current.sources and "sources:" not in old:
        new = (old.rstrip("\n") + "\n" if old.strip() else "") + "sources:\n" + block
    elif re.search(r"(?m)^sources:\s*\[\s*\]\s*$", old):
        new = re.sub(r"(?m)^sources:\s*\[\s*\]\s*$", "sources:\n" + block.rstrip("\n"), old)
    else:
        new = old.rstrip("\n") + "\n" + block
    try:
        check = parse_sources(new, p)
        assert [s.name for s in check.sources] == [s.name for s in current.sources] + [name]
    except (SourcesError, AssertionError):
        # The file's layout did not allow appending (e.g. `sources:` is not the last key):
        # rewrite it whole.
        data = yaml.safe_load(old) or {} if old.strip() else {}
        data = {"sources": data} if isinstance(data, list) else data
        data.setdefault("sources", []).append(_entry(source))
        new = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(new, encoding="utf-8")
    return source


def one_off_source(url: str, *, cms: Cms = "auto", allow_private: bool = False) -> Source:
    """`gongkai crawl URL`: a source for one site — its host allowed, nothing else."""
    host = urlsplit(url).hostname or "site"
    return Source(name=re.sub(r"[^\w.\-]", "_", host), start_urls=[url], cms=cms, allow_private=allow_private)
