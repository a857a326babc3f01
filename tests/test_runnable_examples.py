"""The runnable examples (`examples/*.py`) run and pass their own assertions.

Each script is run as a user would run it: a separate Python process, from another
directory. Its `__main__` block asserts what it printed, so exit status 0 means the example
still shows what its docstring says (dlt's docs/examples are tested the same way).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
SHOWS = {
    "extract_one_report.py": "apply.new.natural_person",
    "load_a_folder.py": "second load: {'unchanged': 15}",
    "query_the_views.py": "bi_findings",
}


def test_the_three_examples_are_there():
    assert {p.name for p in SCRIPTS} >= set(SHOWS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_opens_with_a_docstring_and_asserts_in_main(script):
    tree = ast.parse(script.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{script.name} has no docstring saying what it shows"
    (main,) = [n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)]
    assert any(isinstance(n, ast.Assert) for n in ast.walk(main)), f"{script.name} asserts nothing"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert SHOWS.get(script.name, "") in proc.stdout
    assert not any(tmp_path.iterdir()), "an example left files in the working directory"
