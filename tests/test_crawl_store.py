"""The raw store (content-addressed, local or fsspec) and the fetch state (SQLite)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crawl import sniff
from crawl.rawstore import FsspecStore, RawStore, open_store, relpath, sha256_bytes
from crawl.state import FetchState


def test_local_store_is_content_addressed(tmp_path):
    s = RawStore(tmp_path / "raw")
    sha, path, created = s.put(b"%PDF-1.4 one")
    assert created and path.endswith(f"raw/{sha[:2]}/{sha[2:4]}/{sha}") and s.has(sha)
    assert s.put(b"%PDF-1.4 one") == (sha, path, False)     # the same bytes again: stored once
    assert s.get(sha) == b"%PDF-1.4 one" and s.count() == 1
    assert not list((tmp_path / "raw").rglob(".tmp-*"))
    with pytest.raises(ValueError):
        relpath("../../etc/passwd")


def test_fsspec_store(monkeypatch):
    pytest.importorskip("fsspec")
    monkeypatch.setenv("GONGKAI_RAW_STORE", "memory://gongkai-test/raw")
    s = open_store()
    assert isinstance(s, FsspecStore)
    sha, path, created = s.put(b"abc")
    assert created and path == f"memory://gongkai-test/raw/{relpath(sha)}" and s.get(sha) == b"abc"
    assert s.put(b"abc")[2] is False and s.count() == 1


def test_default_store_is_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("GONGKAI_RAW_STORE", raising=False)
    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "d"))
    assert open_store().root == tmp_path / "d" / "raw"


def test_state_keeps_validators_lineage_and_failures(tmp_path):
    st = FetchState(tmp_path / "c.sqlite")
    now = datetime.now(timezone.utc)
    a, b = sha256_bytes(b"v1"), sha256_bytes(b"v2")
    st.record_ok("u", "u", sha256=a, size=2, media_type="application/pdf", etag='"1"', last_modified="x",
                 fetched_at=now, changed=True, kind="attachment", title="t", year=2023, agency="某局")
    st.record_failure("u", "u", "HTTP 503 (gave up after 4 attempts)")
    prev = st.previous("u")
    assert (prev.sha256, prev.etag, prev.status) == (a, '"1"', "failed")     # yesterday's copy is kept
    st.record_ok("u", "u", sha256=b, size=2, media_type=None, etag='"2"', last_modified=None,
                 fetched_at=now, changed=True)
    assert st.lineage("u") == [a, b]
    row = st.rows()[0]
    assert (row["status"], row["error"], row["attempts"], row["year"], row["media_type"]) == \
        ("ok", None, 0, 2023, "application/pdf")
    st.close()
    assert FetchState(tmp_path / "c.sqlite").previous("u").sha256 == b     # survives a restart


@pytest.mark.parametrize("body, url, mtype", [
    (b"%PDF-1.7\n", "x", sniff.PDF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8, "a.wps", sniff.WPS),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8, "a.doc", sniff.DOC),
    (b"\x89PNG\r\n\x1a\n....", "a.jpg", "image/png"),
    (b"\xef\xbb\xbf<!DOCTYPE html><html>", "a.pdf", sniff.HTML),
    (b"  <html><body>", "a", sniff.HTML),
    (b"<?xml version='1.0'?><datastore>", "a", sniff.XML),
])
def test_sniff(body, url, mtype):
    assert sniff.media_type_of(body, url) == mtype


def test_sniff_expected_and_download_scripts():
    assert sniff.extension("http://a/module/download/downfile.jsp?classid=0&filename=1.pdf") == ".pdf"
    with pytest.raises(ValueError, match="expected an image"):
        sniff.check_expected(b"%PDF-1.4", "http://a/x.png")
    with pytest.raises(ValueError, match="empty body"):
        sniff.check_expected(b"", "http://a/x.pdf")
    assert sniff.decode("政府".encode("gbk"), "text/html; charset=GBK") == "政府"
    assert sniff.decode('<meta charset="gb2312">公开'.encode("gb18030")).endswith("公开")
