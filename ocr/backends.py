"""OCR engines behind one small interface, loaded once per process, never downloading.

    backend = get_backend()                  the engine chosen by GONGKAI_OCR_BACKEND
    backend.ocr(image)      → [(quad, text, score)]   detection + recognition, whole picture
    backend.detect(image)   → [quad]                  text-line boxes only
    backend.recognize(crops) → [Reading]              one text line per crop

`image` is a numpy BGR array; a quad is four (x, y) corners, clockwise from top-left.

Settings (environment):
    GONGKAI_OCR_BACKEND       "rapidocr" (default) or "paddle"
    GONGKAI_OCR_THREADS       onnxruntime intra-op threads (default 2; use 1 per process when
                              running parallel workers — 2 threads under contention were
                              slower than 1, shared/research/ocr.md §3)
    GONGKAI_OCR_DEVICE        "auto" (default: CUDA when onnxruntime offers it) or "cpu"
    GONGKAI_PADDLE_MODEL_DIR  for the paddle backend: a folder holding `det/` and `rec/`
                              PaddleOCR model folders (inference.yml + inference.onnx or
                              Paddle weights); default: folders built from rapidocr's files

Why rapidocr 3.10.0 by default: its wheel ships PaddleOCR's PP-OCRv6 small detection and
recognition models as ONNX, which read every number of the test tables offline; nothing
else on PyPI ships usable weights (research note §1). Any other model would be fetched from
the network by rapidocr/paddleocr, so this module names the model files itself, checks they
exist before building an engine, and turns a missing one into `OcrUnavailable` — a clear
start-up error instead of a download attempt.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from core.errors import GongkaiError

Quad = list[tuple[float, float]]

REC_HEIGHT = 48
"""PP-OCR recognisers take text-line images 48 pixels high."""
REC_MIN_WIDTH = 16
"""PaddleOCR pads every line to 320 pixels, which costs as much as a 6-character label for a
lone "0" — and makes the recogniser read a lone "0" as "O". Crops keep their own width."""
REC_MAX_WIDTH = 2400
REC_BATCH_PIXELS = {"cpu": 48 * 600, "cuda": 48 * 4800}
"""Crops are batched (sorted by width) up to this padded area. On one CPU core small batches
are fastest: a table 三's lines took 0.79 s in batches of 48×600 pixels, 1.02 s in 48×2400
and 1.34 s in 48×4800 (padding to the widest crop, and cache size); a GPU wants large ones."""
DET_LIMIT_SIDE = 960
"""Detection runs on a copy whose longer side is at most this (`Det.limit_type=max`): cuts
detection time 4× on a table picture with no loss (research note §2–3)."""

RAPIDOCR_VERSION = "3.10.0"
RAPID_DET = "PP-OCRv6_det_small.onnx"
RAPID_REC = "PP-OCRv6_rec_small.onnx"


class OcrUnavailable(GongkaiError):
    """No OCR engine can start: a package or a bundled model file is missing."""


class OcrBackend(Protocol):
    name: str
    device: str

    def detect(self, image: np.ndarray) -> list[Quad]: ...

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]: ...

    def ocr(self, image: np.ndarray) -> list[tuple[Quad, str, float]]: ...


def threads() -> int:
    raw = os.environ.get("GONGKAI_OCR_THREADS", "2").strip()
    try:
        n = int(raw)
    except ValueError as exc:
        raise OcrUnavailable(f"GONGKAI_OCR_THREADS must be a whole number ≥ 1, got {raw!r}") from exc
    if n < 1:
        raise OcrUnavailable(f"GONGKAI_OCR_THREADS must be a whole number ≥ 1, got {raw!r}")
    return n


def use_cuda() -> bool:
    """CUDA when onnxruntime offers it (onnxruntime-gpu on a GPU machine), unless told not to."""
    if os.environ.get("GONGKAI_OCR_DEVICE", "auto").strip().lower() == "cpu":
        return False
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    return "CUDAExecutionProvider" in ort.get_available_providers()


# --- shared recognition helpers ----------------------------------------------------------


def _to_bgr(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


def rec_width(crop: np.ndarray) -> int:
    h, w = crop.shape[:2]
    return int(min(REC_MAX_WIDTH, max(REC_MIN_WIDTH, math.ceil(REC_HEIGHT * w / max(1, h)))))


def rec_batches(crops: list[np.ndarray], device: str = "cpu") -> list[list[int]]:
    """Crop indices grouped into batches of similar width (sorted), each batch's padded
    size (count × widest) kept under REC_BATCH_PIXELS for the device."""
    order = sorted(range(len(crops)), key=lambda i: rec_width(crops[i]))
    budget = REC_BATCH_PIXELS.get(device, REC_BATCH_PIXELS["cpu"])
    batches: list[list[int]] = []
    for i in order:
        w = rec_width(crops[i])
        if batches and (len(batches[-1]) + 1) * w * REC_HEIGHT <= budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def rec_tensor(crops: list[np.ndarray]) -> np.ndarray:
    """Crops → one float32 batch (N, 3, 48, W): resized to 48 high, scaled to [-1, 1],
    centred and padded with white (the crops' own background). Centred, because a glyph
    pushed to the left of a wide white input is read less surely."""
    import cv2

    width = max(rec_width(c) for c in crops)
    out = np.ones((len(crops), 3, REC_HEIGHT, width), np.float32)
    for k, crop in enumerate(crops):
        crop = _to_bgr(crop)
        w = rec_width(crop)
        img = cv2.resize(crop, (w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR if crop.shape[0] < REC_HEIGHT
                         else cv2.INTER_AREA)
        x = img.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
        left = (width - w) // 2
        out[k, :, :, left:left + w] = x
    return out


@dataclass(frozen=True)
class Reading:
    """One recognised text line.

    `text`/`score`/`min_score`: the recogniser's own reading (mean and lowest character
    probability). `digits`/`digits_min`: the same line read as a number — each glyph's
    probability merged over the shapes a digit can take (O, o, 〇 are a 0; l, I, | are a 1)
    and the choice restricted to digits and number punctuation. The table reader uses it
    only for cells that read as digit-like in a column of numbers (template snapping: the
    lone round glyph of a zero is "O" to a text recogniser, but a 0 in a number column).
    """

    text: str
    score: float
    min_score: float
    digits: str = ""
    digits_min: float = 0.0
    digit_alts: tuple[tuple[int, str], ...] = ()
    """For each doubtful digit of `digits` (probability below `ALT_DOUBT`): its position in
    `digits` and the other digits the recogniser saw there (probability ≥ `ALT_MIN`, likelier
    first, at most `ALT_MAX`). Empty when every digit is sure or no other digit is likely."""


DIGIT_SHAPES: dict[str, str] = {
    "0": "0Oo〇", "1": "1lI|", **{d: d for d in "23456789"}, ",": ",，", ".": ".．", "-": "-－", "+": "+＋",
}
"""Each number character and the glyphs a recogniser may confuse it with (unambiguous ones only)."""
DIGIT_CHARS = "".join(DIGIT_SHAPES)

ALT_DOUBT = 0.8
"""A digit read with a lower (merged) probability is doubtful and keeps its runners-up. The
same line as the normalizer's `LOW_CONFIDENCE`: a cell's confidence is its least sure
digit's, so only a digit that makes its cell doubtful can have alternatives — a cell read
surely is never second-guessed."""
ALT_MIN = 0.1
"""A runner-up digit is kept only with at least this probability at the glyph. An 8 stained
or blurred towards a 6 gives the 6 a share of 0.2–0.5; classes below a tenth are the
softmax's background, and keeping them would let the arithmetic pick a digit the recogniser
never really saw (every extra candidate is one more way for a sum to fit by chance)."""
ALT_MAX = 2
"""At most this many runners-up per doubtful digit (the second and third best)."""


def digit_classes(charset: list[str]) -> list[list[int]]:
    """For each entry of DIGIT_SHAPES (in order), the charset indices of its shapes."""
    index = {c: i for i, c in enumerate(charset)}
    return [[index[c] for c in shapes if c in index] for shapes in DIGIT_SHAPES.values()]


def ctc_decode(probs: np.ndarray, charset: list[str], classes: list[list[int]] | None = None) -> list[Reading]:
    """Greedy CTC per batch row (index 0 is the blank), and with `classes` the digit reading
    of each row as well (see `Reading`)."""
    idx = probs.argmax(axis=2)
    best = probs.max(axis=2)
    merged = None
    if classes:
        merged = np.stack([probs[:, :, 0]] + [probs[:, :, c].sum(axis=2) for c in classes], axis=2)
    out = []
    for n in range(len(idx)):
        text, mean, low = _greedy(idx[n], best[n], lambda i: charset[i])
        digits, dmin, alts = "", 0.0, ()
        if merged is not None:
            didx, dbest = merged[n].argmax(axis=1), merged[n].max(axis=1)
            digits, _, dmin = _greedy(didx, dbest, lambda i: DIGIT_CHARS[i - 1])
            if dmin < ALT_DOUBT:  # the usual case, a sure line, costs nothing more
                alts = digit_alternatives(merged[n], didx)
        out.append(Reading(text, mean, low, digits, dmin, alts))
    return out


def digit_alternatives(merged: np.ndarray, idx: np.ndarray) -> tuple[tuple[int, str], ...]:
    """The runners-up of each doubtful digit of one line's digit reading: `merged` is the
    (timesteps, 1 + len(DIGIT_CHARS)) probabilities (blank first), `idx` its argmax. A glyph
    spans a run of timesteps with the same best class; a runner-up's probability is its
    highest over that run. Positions count the characters `_greedy` emits."""
    out = []
    pos = -1
    t, steps = 0, len(idx)
    while t < steps:
        c = int(idx[t])
        end = t + 1
        while end < steps and idx[end] == c:
            end += 1
        if c != 0:
            pos += 1
            ch = DIGIT_CHARS[c - 1]
            if ch.isdigit() and merged[t, c] < ALT_DOUBT:
                # the digit classes are 1..10 of `merged` ("0".."9", DIGIT_SHAPES' order)
                run = merged[t:end, 1:11].max(axis=0)
                others = [(float(run[d]), str(d)) for d in range(10) if str(d) != ch and run[d] >= ALT_MIN]
                others.sort(reverse=True)
                if others:
                    out.append((pos, "".join(d for _, d in others[:ALT_MAX])))
        t = end
    return tuple(out)


def _greedy(idx: np.ndarray, p: np.ndarray, char) -> tuple[str, float, float]:
    keep = np.ones(len(idx), bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    ps = p[keep]
    text = "".join(char(i) for i in idx[keep])
    return (text, float(ps.mean()), float(ps.min())) if len(ps) else ("", 0.0, 0.0)


# --- rapidocr ------------------------------------------------------------------------------


@dataclass
class RapidBackend:
    """rapidocr 3.10.0 on onnxruntime with its bundled PP-OCRv6 small det/rec models."""

    engine: object
    rec_session: object
    charset: list[str]
    classes: list[list[int]]
    name: str = "rapidocr"
    device: str = "cpu"

    @classmethod
    def load(cls) -> "RapidBackend":
        try:
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable(f"OCR needs rapidocr=={RAPIDOCR_VERSION} and onnxruntime "
                                 f"(pip install 'rapidocr=={RAPIDOCR_VERSION}' onnxruntime): {exc}") from exc
        models = Path(rapidocr.__file__).parent / "models"
        det, rec = models / RAPID_DET, models / RAPID_REC
        missing = [p.name for p in (det, rec) if not p.is_file()]
        if missing:
            have = getattr(rapidocr, "__version__", "?")
            raise OcrUnavailable(f"offline OCR model not bundled: {', '.join(missing)} is not in {models} "
                                 f"(rapidocr {have}; gongkai needs rapidocr=={RAPIDOCR_VERSION}, whose wheel ships "
                                 "it). Nothing is downloaded at run time.")
        cuda = use_cuda()
        n = threads()
        params = {
            "Global.use_cls": False,
            "Global.log_level": "error",
            "Det.model_path": str(det),
            "Det.limit_type": "max",
            "Det.limit_side_len": DET_LIMIT_SIDE,
            "Rec.model_path": str(rec),
            "EngineConfig.onnxruntime.intra_op_num_threads": n,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.use_cuda": cuda,
        }
        try:
            engine = RapidOCR(params=params)
            # rapidocr builds its sessions lazily; build them now so that a broken install
            # fails here, at start-up, and the timing of the first picture is honest.
            engine._load_det_model()  # noqa: SLF001 (pinned rapidocr==3.10.0)
            rec_model = engine._load_rec_model()  # noqa: SLF001
        except Exception as exc:
            raise OcrUnavailable(f"rapidocr could not start offline: {type(exc).__name__}: {exc}") from exc
        session = rec_model.session.session
        charset = list(rec_model.postprocess_op.character)
        device = "cuda" if "CUDAExecutionProvider" in session.get_providers()[:1] else "cpu"
        return cls(engine=engine, rec_session=session, charset=charset, classes=digit_classes(charset), device=device)

    def detect(self, image: np.ndarray) -> list[Quad]:
        res = self.engine(image, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(res, "boxes", None)
        if boxes is None:
            return []
        return [[(float(x), float(y)) for x, y in q] for q in boxes]

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        out: list[Reading] = [Reading("", 0.0, 0.0)] * len(crops)
        name = self.rec_session.get_inputs()[0].name
        for batch in rec_batches(crops, self.device):
            x = rec_tensor([crops[i] for i in batch])
            probs = self.rec_session.run(None, {name: x})[0]
            for i, r in zip(batch, ctc_decode(probs, self.charset, self.classes)):
                out[i] = r
        return out

    def ocr(self, image: np.ndarray) -> list[tuple[Quad, str, float]]:
        res = self.engine(image, use_det=True, use_cls=False, use_rec=True)
        if getattr(res, "boxes", None) is None or getattr(res, "txts", None) is None:
            return []
        return [([(float(x), float(y)) for x, y in q], t, float(s)) for q, t, s in zip(res.boxes, res.txts, res.scores)]
