"""Legacy office formats: sniffing by bytes, and the LibreOffice runner's containment.

These tests need no LibreOffice: OLE2 files come from a tiny compound-file writer and
soffice is replaced by fake scripts (`GONGKAI_SOFFICE`) that convert, hang, crash or fail.
Real conversions are in test_formats_roundtrip.py.
"""
from __future__ import annotations

import hashlib
import os
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import extractors
from extractors import libreoffice, office
from core.errors import BadDocument
from ole_writer import compound_file, word_fib

REGISTRY = ("extractors.pdf", "extractors.xlsx", "extractors.docx", "extractors.ofd", "extractors.office",
            "extractors.html", "extractors.text")


@pytest.fixture
def registry(monkeypatch):
    """The registry with the office/xlsx/ofd entries (a no-op once the lead has added them)."""
    monkeypatch.setattr(extractors, "EXTRACTORS", REGISTRY)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


WORD = compound_file({"WordDocument": word_fib(), "1Table": b"t", "\x05SummaryInformation": b"s"})
WORKBOOK = compound_file({"Workbook": b"\x09\x08", "\x05SummaryInformation": b"s"})


# --- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize("name,data,kind", [
    ("a.doc", WORD, "word"),
    ("a.wps", WORD, "word"),
    ("a.bin", WORD, "word"),  # the bytes decide, not the name
    ("a.xls", WORKBOOK, "sheet"),
    ("a.et", compound_file({"Workbook": b"x"}), "sheet"),
    ("a.doc", compound_file({"Book": b"x"}), "sheet"),  # BIFF5 workbook behind a .doc name
    ("a.doc", compound_file({"PowerPoint Document": b"x"}), None),
    ("a.doc", compound_file({"EncryptedPackage": b"x", "EncryptionInfo": b"y"}), None),
    ("a.rtf", b"{\\rtf1\\ansi\\ansicpg936 {\\fonttbl}hello}", "rtf"),
    ("a.doc", b"\xef\xbb\xbf\r\n{\\rtf1 x}", "rtf"),
    ("a.doc", b'<?xml version="1.0"?>\n<?mso-application progid="Word.Document"?>\n<w:wordDocument/>', "wordml"),
    ("a.xls", b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook/>', "sheetml"),
    ("a.doc", b"<html><body>not word</body></html>", None),
    ("a.doc", b"PK\x03\x04rest", None),
    ("a.doc", office.OLE_MAGIC + b"\0" * 100, "damaged"),  # truncated, but named like ours
    ("a.bin", office.OLE_MAGIC + b"\0" * 100, None),
])
def test_the_real_type_comes_from_the_bytes(tmp_path, name, data, kind):
    p = write(tmp_path, name, data)
    assert office.detect(data[:8192], p) == kind
    assert office.can_read(data[:8192], p) == (kind is not None)


@pytest.mark.parametrize("kind,name,fmt", [
    ("word", "r.doc", "doc"), ("word", "r.WPS", "wps"), ("word", "r.bin", "doc"),
    ("sheet", "r.xls", "xls"), ("sheet", "r.et", "et"), ("sheet", "r.doc", "xls"), ("rtf", "r.doc", "rtf"),
    ("wordml", "r.doc", "wordml"), ("sheetml", "r.xls", "spreadsheetml"),
])
def test_format_names_the_original_format(kind, name, fmt):
    assert office.format_name(kind, Path(name)) == fmt


def test_registry_sends_mislabelled_doc_files_to_the_right_extractor(tmp_path, registry):
    import docx

    d = docx.Document()
    d.add_paragraph("x")
    real_docx = tmp_path / "really-docx.doc"
    d.save(real_docx)
    cases = {
        real_docx: "extractors.docx",
        write(tmp_path, "really-rtf.doc", b"{\\rtf1 x}"): "extractors.office",
        write(tmp_path, "really-html.doc", b"<!DOCTYPE html><html><body><p>x</p></body></html>"): "extractors.html",
        write(tmp_path, "word.wps", WORD): "extractors.office",
        write(tmp_path, "sheet.et", WORKBOOK): "extractors.office",
    }
    for path, module in cases.items():
        assert extractors.sniff(path).__name__ == module, path.name


def test_missing_libreoffice_is_a_clear_bad_document(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_SOFFICE", str(tmp_path / "no-such-soffice"))
    with pytest.raises(BadDocument, match=r"needs LibreOffice \(soffice\)"):
        office.extract(write(tmp_path, "r.doc", WORD))


def test_encrypted_word_97_is_refused_before_libreoffice_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_SOFFICE", str(tmp_path / "no-such-soffice"))
    p = write(tmp_path, "r.doc", compound_file({"WordDocument": word_fib(encrypted=True)}))
    with pytest.raises(BadDocument, match="password-protected"):
        office.extract(p)


def test_damaged_compound_file_is_corrupt(tmp_path):
    with pytest.raises(BadDocument, match="corrupt OLE2"):
        office.extract(write(tmp_path, "r.doc", office.OLE_MAGIC + b"\0" * 600))


# --- the runner, with fake soffice scripts ---------------------------------------------------

FAKE = textwrap.dedent("""\
    #!{python}
    import os, signal, subprocess, sys, time
    args = sys.argv[1:]
    mode = os.environ.get("FAKE_SOFFICE_MODE", "ok")
    log = os.environ.get("FAKE_SOFFICE_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(" ".join(a for a in args if a.startswith("-env:")) + "\\n")
    if mode == "hang":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        open(os.environ["FAKE_SOFFICE_PIDS"], "w").write(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(120)
    if mode == "crash":
        print("soffice.bin: fatal error in the import filter", flush=True)
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "nothing":
        print("Error: source file could not be loaded")
        sys.exit(0)
    outdir = args[args.index("--outdir") + 1]
    ext = args[args.index("--convert-to") + 1].split(":")[0]
    stem = os.path.splitext(os.path.basename(args[-1]))[0]
    data = open(os.environ["FAKE_SOFFICE_OUTPUT"], "rb").read()
    os.makedirs(outdir, exist_ok=True)
    open(os.path.join(outdir, stem + "." + ext), "wb").write(data)
    print("convert", args[-1])
""")


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    """A fake soffice on GONGKAI_SOFFICE; its behaviour is set with FAKE_SOFFICE_MODE."""
    import docx

    script = tmp_path / "fake-soffice"
    script.write_text(FAKE.format(python=sys.executable))
    script.chmod(0o755)
    d = docx.Document()
    d.add_paragraph("某局2022年政府信息公开工作年度报告")
    d.add_paragraph("一、总体情况")
    fixture = tmp_path / "converted.docx"
    d.save(fixture)
    monkeypatch.setenv("GONGKAI_SOFFICE", str(script))
    monkeypatch.setenv("FAKE_SOFFICE_OUTPUT", str(fixture))
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(tmp_path / "calls.log"))
    monkeypatch.setenv("FAKE_SOFFICE_PIDS", str(tmp_path / "pids"))
    monkeypatch.setenv("GONGKAI_SOFFICE_TIMEOUT", "1.5")
    return fixture


def test_converted_document_records_its_lineage(tmp_path, fake_soffice):
    doc = office.extract(write(tmp_path, "报告.wps", WORD))
    assert doc.format == "wps"
    assert [b.text for b in doc.texts()] == ["某局2022年政府信息公开工作年度报告", "一、总体情况"]
    assert doc.metadata["converted_from"] == "wps"
    assert doc.metadata["converted_to"] == "docx"
    assert doc.metadata["converted_sha256"] == hashlib.sha256(fake_soffice.read_bytes()).hexdigest()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "State:\tZ" not in fh.read()
    except FileNotFoundError:
        return False


def test_a_hang_costs_that_document_only(tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "hang")
    started = time.monotonic()
    with pytest.raises(BadDocument, match=r"did not finish converting within 1\.5 s \(killed\)"):
        office.extract(write(tmp_path, "hang.doc", WORD))
    assert time.monotonic() - started < 10
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()] if Path("/proc").is_dir() else []
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "the fake soffice or its child survived the timeout"
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "ok")
    assert office.extract(write(tmp_path, "next.doc", WORD)).format == "doc"


def test_a_crash_is_a_bad_document_and_the_next_conversion_works(tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "crash")
    with pytest.raises(BadDocument, match=r"LibreOffice crashed while converting \(SIGSEGV\)"):
        office.extract(write(tmp_path, "crash.doc", WORD))
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "ok")
    assert office.extract(write(tmp_path, "next.doc", WORD)).format == "doc"


def test_soffice_that_writes_nothing_is_a_bad_document(tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "nothing")
    with pytest.raises(BadDocument, match="could not convert the file to DOCX: Error: source file could not be loaded"):
        office.extract(write(tmp_path, "r.doc", WORD))


def test_parallel_conversions_use_their_own_profiles_and_leave_nothing_behind(tmp_path, fake_soffice):
    before = set(os.listdir(libreoffice.tempfile.gettempdir()))
    paths = [write(tmp_path, f"r{i}.doc", WORD) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        docs = list(pool.map(office.extract, paths))
    assert all(d.format == "doc" for d in docs)
    profiles = (tmp_path / "calls.log").read_text().split()
    assert len(profiles) == 4 and len(set(profiles)) == 4
    assert all(p.startswith("-env:UserInstallation=file:///") for p in profiles)
    left = {n for n in set(os.listdir(libreoffice.tempfile.gettempdir())) - before if n.startswith("gongkai-soffice-")}
    assert not left


def test_the_input_reaches_libreoffice_under_its_real_type(tmp_path, fake_soffice, monkeypatch):
    seen = tmp_path / "seen"
    real_run = libreoffice.run_soffice

    def spy(inputs, target, outdir, workdir, timeout=None):
        seen.write_text(f"{Path(inputs[0]).name} {target}")
        return real_run(inputs, target, outdir, workdir, timeout)

    monkeypatch.setattr(libreoffice, "run_soffice", spy)
    office.extract(write(tmp_path, "tables.doc", b"{\\rtf1 x}"))
    assert seen.read_text() == "source.rtf docx"
    monkeypatch.setenv("FAKE_SOFFICE_OUTPUT", str(_tiny_xlsx(tmp_path)))
    doc = office.extract(write(tmp_path, "tables.wps", WORKBOOK))  # a workbook behind a .wps name
    assert seen.read_text() == "source.xls xlsx"
    assert doc.format == "xls" and doc.metadata["converted_to"] == "xlsx"


def _tiny_xlsx(tmp_path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["a", 1])
    p = tmp_path / "tiny.xlsx"
    wb.save(p)
    return p
