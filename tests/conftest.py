"""Shared fixtures: the sample inbox with its truth, and the optional shared corpus."""
from __future__ import annotations

import json
import socket
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


@pytest.fixture
def no_network(monkeypatch):
    """Outbound connections fail, and every proxy variable points nowhere."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return attempts
