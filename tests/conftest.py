"""Shared fixtures: the sample inbox with its truth, and the optional shared corpus."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "examples" / "inbox"
TRUTH = ROOT / "examples" / "truth"
# Benchmarks and the corpus tests may read the team's shared folder beside the checkout;
# a user's clone has none, and those tests skip.
SHARED = ROOT.parent / "shared"


def truth_of(doc_id: str) -> dict:
    return json.loads((TRUTH / f"{doc_id}.json").read_text(encoding="utf-8"))


@pytest.fixture
def inbox() -> Path:
    return INBOX


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "corpus" / "dev" / "manifest.json").exists():
        pytest.skip("../shared/corpus is absent (it exists only in the team's workspace)")
    return SHARED
