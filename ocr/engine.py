"""The process-wide OCR engine: the backend GONGKAI_OCR_BACKEND names (`rapidocr` by default,
`paddle` with the optional extra), loaded once, on the first picture, and shared."""
from __future__ import annotations

import os
import threading

from .backends import OcrBackend, OcrUnavailable, RapidBackend
from .paddle_models import PaddleBackend

BACKENDS = {"rapidocr": RapidBackend, "paddle": PaddleBackend}
_lock = threading.Lock()
_backend: OcrBackend | None = None


def get_backend() -> OcrBackend:
    """The engine named by GONGKAI_OCR_BACKEND, built on first use and kept (loading the
    models costs about a second; every picture of the process shares them)."""
    global _backend
    if _backend is None:
        with _lock:
            if _backend is None:
                name = os.environ.get("GONGKAI_OCR_BACKEND", "rapidocr").strip().lower() or "rapidocr"
                if name not in BACKENDS:
                    raise OcrUnavailable(f"GONGKAI_OCR_BACKEND={name!r} is not known; use one of "
                                         f"{', '.join(sorted(BACKENDS))}")
                _backend = BACKENDS[name].load()
    return _backend


def reset_backend() -> None:
    """Forget the loaded engine (tests that switch settings)."""
    global _backend
    with _lock:
        _backend = None
