"""The same report in every format gives the same cells (issue #5's test corpus).

The corpus is generated here: DOCX with python-docx, XLSX (tables only) with openpyxl, OFD
with the tests' tiny writer, and DOC, WPS (a Word 97 file under a `.wps` name), RTF and XLS
converted from those by LibreOffice. The LibreOffice conversions (three to make the files,
four to read them back) run in parallel threads, each soffice with its own profile, which
is itself part of what is tested. They are skipped, with the reason, where soffice is absent.
"""
from __future__ import annotations

import shutil
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import extractors
import formats_report as R
from extractors import libreoffice
from core.errors import BadDocument
from gongkai.pipeline import extract_record

REGISTRY = ("extractors.pdf", "extractors.xlsx", "extractors.docx", "extractors.ofd", "extractors.office",
            "extractors.html", "extractors.text")
FULL = ["docx", "doc", "wps", "rtf", "ofd"]
TABLES_ONLY = ["xlsx", "xlsx-one-sheet", "xls"]
NEEDS_SOFFICE = {"doc", "wps", "rtf", "xls"}
FORMAT_NAME = {"xlsx-one-sheet": "xlsx"}
NO_SOFFICE = "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"


@pytest.fixture(scope="module")
def registry():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(extractors, "EXTRACTORS", REGISTRY)
        yield


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("formats")
    files = {
        "docx": R.write_docx(d / "report.docx"),
        "xlsx": R.write_xlsx(d / "tables.xlsx"),
        "xlsx-one-sheet": R.write_xlsx(d / "one-sheet.xlsx", one_sheet=True),
        "ofd": R.write_ofd(d / "report.ofd"),
    }
    if libreoffice.find_soffice():
        jobs = [("doc:MS Word 97", files["docx"]), ("rtf:Rich Text Format", files["docx"]),
                ("xls:MS Excel 97", files["xlsx"])]
        with ThreadPoolExecutor(len(jobs)) as pool:
            list(pool.map(lambda job: libreoffice.run_soffice([job[1]], job[0], d / "lo", d / f"work-{job[0][:3]}",
                                                              timeout=120), jobs))
        files["doc"] = d / "lo" / "report.doc"
        files["wps"] = Path(shutil.copyfile(files["doc"], d / "report.wps"))
        files["rtf"] = d / "lo" / "report.rtf"
        files["xls"] = d / "lo" / "tables.xls"
    return files


CONVERTED: dict[str, object] = {}
"""The documents `office.extract` returned while the records were made, by file name."""


@pytest.fixture(scope="module")
def records(corpus, registry):
    """Every format's record (or the exception it raised), extracted in parallel."""
    from extractors import office

    real_extract = office.extract

    def recording(path):
        doc = real_extract(path)
        CONVERTED[Path(path).name] = doc
        return doc

    def one(path: Path):
        try:
            return extract_record(path)
        except Exception as exc:  # reported by the test of that format
            return exc

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(office, "extract", recording)
        with ThreadPoolExecutor(4) as pool:
            return dict(zip(corpus, pool.map(one, corpus.values())))


def _record(records, corpus, fmt):
    if fmt not in corpus:
        pytest.skip(NO_SOFFICE)
    rec = records[fmt]
    if isinstance(rec, Exception):
        raise rec
    return rec


@pytest.mark.parametrize("fmt", FULL)
def test_every_full_format_gives_the_same_record(records, corpus, fmt):
    rec = _record(records, corpus, fmt)
    assert rec.source["format"] == FORMAT_NAME.get(fmt, fmt)
    assert (rec.agency, rec.year, rec.published, rec.template) == (R.AGENCY, R.YEAR, R.PUBLISHED, "2021")
    assert rec.tables == {"active": "found", "applications": "found", "review": "found"}
    wrong = {k: (rec.cells.get(k), v) for k, v in R.EXPECTED.items() if rec.cells.get(k) != v}
    assert not wrong
    assert not [f for f in rec.findings if f.rule != "region.unknown"], rec.findings


@pytest.mark.parametrize("fmt", TABLES_ONLY)
def test_tables_only_formats_give_the_same_cells(records, corpus, fmt):
    rec = _record(records, corpus, fmt)
    assert rec.source["format"] == FORMAT_NAME.get(fmt, fmt)
    assert rec.tables == {"active": "found", "applications": "found", "review": "found"}
    wrong = {k: (rec.cells.get(k), v) for k, v in R.EXPECTED.items() if rec.cells.get(k) != v}
    assert not wrong
    assert (rec.agency, rec.year) == (R.AGENCY, R.YEAR)  # from the workbook's title property


@pytest.mark.parametrize("fmt", sorted(NEEDS_SOFFICE))
def test_converted_formats_record_their_lineage(records, corpus, fmt):
    _record(records, corpus, fmt)
    doc = CONVERTED[corpus[fmt].name]
    assert doc.format == fmt
    assert doc.metadata["converted_from"] == fmt
    assert len(doc.metadata["converted_sha256"]) == 64
    assert doc.metadata["converter"].startswith("LibreOffice")


HANG = textwrap.dedent("""\
    #!{python}
    import time
    time.sleep(120)
""")


def test_a_hanging_soffice_costs_one_document_and_the_next_real_conversion_works(corpus, tmp_path, monkeypatch):
    if "doc" not in corpus:
        pytest.skip(NO_SOFFICE)
    from extractors import office

    fake = tmp_path / "hanging-soffice"
    fake.write_text(HANG.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setenv("GONGKAI_SOFFICE", str(fake))
    monkeypatch.setenv("GONGKAI_SOFFICE_TIMEOUT", "1")
    with pytest.raises(BadDocument, match="did not finish"):
        office.extract(corpus["doc"])
    monkeypatch.delenv("GONGKAI_SOFFICE")
    monkeypatch.setenv("GONGKAI_SOFFICE_TIMEOUT", "120")
    doc = office.extract(corpus["doc"])
    assert R.TITLE in doc.full_text()


SPREADSHEET_2003 = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="复议诉讼"><Table>
  <Row><Cell ss:MergeAcross="1"><Data ss:Type="String">行政复议</Data></Cell><Cell><Data ss:Type="String">总计</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">结果维持</Data></Cell><Cell><Data ss:Type="Number">1</Data></Cell>
   <Cell><Data ss:Type="Number">2.5</Data></Cell></Row>
 </Table></Worksheet>
</Workbook>
"""


def test_excel_2003_xml_behind_an_xls_name_is_read_through_libreoffice(tmp_path):
    if not libreoffice.find_soffice():
        pytest.skip(NO_SOFFICE)
    from extractors import office

    p = tmp_path / "tables.xls"
    p.write_text(SPREADSHEET_2003, encoding="utf-8")
    doc = office.extract(p)
    assert doc.format == "spreadsheetml"
    heading, table = doc.blocks
    assert heading.text == "复议诉讼"
    assert [[(c.text, c.col_span) for c in r] for r in table.rows()] == [
        [("行政复议", 2), ("总计", 1)], [("结果维持", 1), ("1", 1), ("2.5", 1)]]
