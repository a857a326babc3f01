"""The OCR engines: settings, and a clear start-up error — never a download — when a model
is missing."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from core.errors import GongkaiError
from ocr import backends
from ocr.backends import OcrUnavailable
from ocr.engine import get_backend, reset_backend


@pytest.fixture
def fresh_engine():
    """Each test builds its own engine; the next test gets a fresh one too."""
    reset_backend()
    yield
    reset_backend()


def test_missing_model_is_a_clear_error_not_a_download(monkeypatch, fresh_engine, no_network):
    monkeypatch.setattr(backends, "RAPID_DET", "PP-OCRv9_det_server.onnx")
    with pytest.raises(OcrUnavailable, match="not bundled") as err:
        get_backend()
    assert "PP-OCRv9_det_server.onnx" in str(err.value) and "downloaded" in str(err.value)
    assert isinstance(err.value, GongkaiError)  # the CLI prints it as one line, exit 1
    assert not no_network


def test_unknown_backend_names_the_choices(monkeypatch, fresh_engine):
    monkeypatch.setenv("GONGKAI_OCR_BACKEND", "tesseract")
    with pytest.raises(OcrUnavailable, match="paddle, rapidocr"):
        get_backend()


@pytest.mark.parametrize("raw", ["0", "-1", "two"])
def test_threads_setting_is_checked(monkeypatch, raw):
    monkeypatch.setenv("GONGKAI_OCR_THREADS", raw)
    with pytest.raises(OcrUnavailable, match="GONGKAI_OCR_THREADS"):
        backends.threads()


def test_cpu_can_be_forced(monkeypatch):
    monkeypatch.setenv("GONGKAI_OCR_DEVICE", "cpu")
    assert backends.use_cuda() is False


def test_default_engine_reads_a_line(fresh_engine, monkeypatch):
    import cv2

    monkeypatch.setenv("GONGKAI_OCR_THREADS", "1")
    eng = get_backend()
    assert eng.name == "rapidocr" and eng.device in ("cpu", "cuda")
    img = np.full((60, 220, 3), 255, np.uint8)
    cv2.putText(img, "2023", (20, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (0, 0, 0), 3)
    (reading,) = eng.recognize([img])
    assert reading.text == "2023" and reading.digits == "2023" and reading.min_score > 0.8
    page = cv2.copyMakeBorder(img, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    ((quad, text, score),) = eng.ocr(page)
    assert text == "2023" and score > 0.8 and len(quad) == 4
    assert get_backend() is eng  # loaded once per process


@pytest.mark.skipif(importlib.util.find_spec("paddleocr") is not None, reason="paddleocr is installed")
def test_paddle_backend_without_the_extra(monkeypatch, fresh_engine):
    monkeypatch.setenv("GONGKAI_OCR_BACKEND", "paddle")
    with pytest.raises(OcrUnavailable, match=r"gongkai\[paddle\]"):
        get_backend()


@pytest.mark.skipif(importlib.util.find_spec("paddleocr") is None, reason="optional extra: pip install gongkai[paddle]")
def test_paddle_backend_reads_offline(monkeypatch, fresh_engine, no_network, tmp_path):
    import ocr_fixtures as F
    from core.document import ExtractedDocument
    from normalize.assemble import to_record
    from ocr import read_image

    monkeypatch.setenv("GONGKAI_OCR_BACKEND", "paddle")
    monkeypatch.setenv("GONGKAI_PADDLE_MODEL_DIR", str(tmp_path / "models"))
    values = [3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0]
    pic = read_image(F.to_bgr(F.render(F.table4_layout(values), font_px=20)))
    rec = to_record(ExtractedDocument(blocks=pic.blocks))
    assert get_backend().name == "paddle"
    assert [rec.cells[f"{b}.{c}"] for b in ("review", "suit_direct", "suit_after_review")
            for c in ("upheld", "corrected", "other", "pending", "total")] == values
    assert not no_network
