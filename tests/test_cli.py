"""The command line: `extract --json` prints exactly the record; bad input is one clean line."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongkai.cli import app

runner = CliRunner()


def test_extract_json_prints_one_canonical_record(inbox):
    res = runner.invoke(app, ["extract", str(inbox / "seed-001.txt"), "--json"])
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout)
    assert list(rec)[:10] == ["agency", "region", "year", "published", "template", "tables", "cells", "findings",
                              "provenance", "source"]
    assert rec["agency"] == "海东市应急管理局" and rec["cells"]["active.licensing.decisions"] == 34


def test_extract_summary_is_readable(inbox):
    res = runner.invoke(app, ["extract", str(inbox / "seed-002.txt")])
    assert res.exit_code == 0
    assert "威海市文登区综合行政执法局" in res.stdout and "image-unreadable" in res.stdout


def _garbage(tmp_path: Path) -> dict[str, Path]:
    files = {}
    files["empty"] = tmp_path / "empty.pdf"
    files["empty"].write_bytes(b"")
    files["truncated"] = tmp_path / "truncated.pdf"
    files["truncated"].write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Ty")
    files["png"] = tmp_path / "picture.pdf"
    files["png"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    files["error_page"] = tmp_path / "report.html"
    files["error_page"].write_text("<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>"
                                   "<p>您访问的页面不存在</p></body></html>", encoding="utf-8")
    files["missing"] = tmp_path / "nowhere.docx"
    return files


@pytest.mark.parametrize("kind", ["empty", "truncated", "png", "error_page", "missing"])
def test_garbage_in_gives_one_line_and_exit_1(tmp_path, kind):
    path = _garbage(tmp_path)[kind]
    proc = subprocess.run([sys.executable, "-m", "gongkai", "extract", str(path), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gongkai: ") and "Traceback" not in proc.stderr
