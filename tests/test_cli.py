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


def test_extract_of_a_text_pdf_loads_only_what_it_needs(inbox):
    """`gongkai extract report.pdf`, in a fresh process: the record comes out, and neither
    Prefect, nor OpenCV/onnxruntime (OCR), nor pdfminer (PDFium reads the file) was loaded,
    in the CLI process (whose modules the sandboxed child inherits) nor by the extraction
    itself (run here again, in-process)."""
    code = (
        "import io, contextlib, json, sys\n"
        f"sys.argv = ['gongkai', 'extract', {str(inbox / 'd002.pdf')!r}, '--json']\n"
        "from gongkai.cli import app\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        "        app()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "record = json.loads(out.getvalue())\n"
        "from gongkai.pipeline import extract_record\n"  # what the child ran, here: same modules
        f"extract_record({str(inbox / 'd002.pdf')!r})\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'cv2', 'onnxruntime', 'pdfminer', 'pdfplumber'})\n"
        "print(json.dumps({'cells': len(record['cells']), 'heavy': heavy}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["cells"] > 100 and result["heavy"] == []
