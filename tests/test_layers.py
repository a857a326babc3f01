"""The house's layers, as a reader should find them (README "Layout"): core → stages →
application (gongkai) → orchestration (flows); and the extraction cache key that follows
from them."""
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

from conftest import ROOT
from gongkai.pipeline import EXTRACTION_PACKAGES, extraction_fingerprint

PACKAGES = ("core", "crawl", "extractors", "ocr", "normalize", "validate", "storage", "gongkai", "flows")


def test_the_import_contracts_hold():
    """pyproject.toml's import-linter contracts: the layers, only flows/ imports Prefect, only
    storage/ and the application talk SQL, no cycle between the modules of a package."""
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_the_top_level_packages_import_each_other_without_a_cycle():
    """Every import counted, also those inside functions (grimp reads them all)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    edges = {p: {q for q in PACKAGES if q != p and graph.direct_import_exists(importer=p, imported=q,
                                                                               as_packages=True)}
             for p in PACKAGES}
    order: list[str] = []
    while len(order) < len(PACKAGES):  # peel off packages that import only what is peeled already
        ready = [p for p in PACKAGES if p not in order and edges[p] <= set(order)]
        assert ready, f"an import cycle among {sorted(set(PACKAGES) - set(order))}: { {p: sorted(edges[p]) for p in PACKAGES if p not in order} }"
        order.extend(sorted(ready))
    assert order[0] == "core" and order[-1] == "flows" and edges["core"] == set()


def test_changing_any_file_of_the_core_or_a_stage_changes_the_extraction_cache_key(tmp_path):
    for pkg in EXTRACTION_PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    before = extraction_fingerprint(tmp_path)
    assert before == extraction_fingerprint(tmp_path)  # stable
    files = [p for pkg in EXTRACTION_PACKAGES for p in sorted((tmp_path / pkg).rglob("*.py"))]
    assert any(p.match("core/geometry.py") for p in files)
    assert {p.relative_to(tmp_path).parts[0] for p in files} == set(EXTRACTION_PACKAGES)
    for p in files:
        original = p.read_bytes()
        p.write_bytes(original + b"\n# changed\n")
        extraction_fingerprint.cache_clear()
        assert extraction_fingerprint(tmp_path) != before, p
        p.write_bytes(original)
    extraction_fingerprint.cache_clear()
    assert extraction_fingerprint(tmp_path) == before
