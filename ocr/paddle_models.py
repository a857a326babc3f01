"""The optional `paddle` OCR backend (`PaddleBackend`), and its model folders, made without
any download.

    model_dirs(root)         (det folder, rec folder): the user's, or built from rapidocr's files
    build(root)              writes det/ and rec/ (inference.onnx + inference.yml) under root
    model_name(folder, …)    the model name an inference.yml declares

PaddleOCR 3.x runs offline on its onnxruntime engine (no paddlepaddle needed) when it is
given model folders: each holds `inference.onnx` and an `inference.yml` naming the model,
its pre- and post-processing, and for recognition the character list. rapidocr's wheel
ships the same PP-OCRv6 small models as ONNX, with the character list in the ONNX metadata
(key "character"), so the folders are built from those files once and kept in a cache
folder. A user may point GONGKAI_PADDLE_MODEL_DIR at folders of their own (`det/`, `rec/`;
ONNX or Paddle-format weights — the latter need paddlepaddle installed).
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .backends import DET_LIMIT_SIDE, RAPID_DET, RAPID_REC, OcrUnavailable, Quad, Reading, _to_bgr, threads, use_cuda
from .cell_rules import FIX_PENALTY, fix_number
from .read import crop_quad

DET_NAME, REC_NAME = "PP-OCRv6_small_det", "PP-OCRv6_small_rec"

DET_META = {
    "PreProcess": {"transform_ops": [
        {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
        {"DetLabelEncode": None},
        {"DetResizeForTest": {"resize_long": 960}},
        {"NormalizeImage": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "scale": "1./255.",
                            "order": "hwc"}},
        {"ToCHWImage": None},
        {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
    ]},
    "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6, "max_candidates": 1000,
                    "unclip_ratio": 1.5},
}
"""What PaddleX 3.7 writes for PP-OCRv6 det (`build_inference_meta`), copied so that the
folders do not depend on a PaddleX internal."""

REC_META = {
    "PreProcess": {"transform_ops": [
        {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
        {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
        {"RecResizeImg": {"image_shape": [3, 48, 320]}},
        {"KeepKeys": {"keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]}},
    ]},
    "PostProcess": {"name": "CTCLabelDecode"},
}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gongkai" / "paddle-models" / "PP-OCRv6_small"


def model_dirs(root: Path | None = None) -> tuple[Path, Path]:
    """(det folder, rec folder). A root that already holds `det/` and `rec/` model folders
    is used as it is; otherwise they are built there (default: the cache folder)."""
    root = Path(root) if root else cache_root()
    det, rec = root / "det", root / "rec"
    if not ((det / "inference.yml").is_file() and (rec / "inference.yml").is_file()):
        build(root)
    return det, rec


def rapidocr_models() -> tuple[Path, Path]:
    try:
        import rapidocr
    except ImportError as exc:
        raise OcrUnavailable(f"building PaddleOCR model folders needs rapidocr's bundled models: {exc}") from exc
    models = Path(rapidocr.__file__).parent / "models"
    det, rec = models / RAPID_DET, models / RAPID_REC
    missing = [p.name for p in (det, rec) if not p.is_file()]
    if missing:
        raise OcrUnavailable(f"offline OCR model not bundled: {', '.join(missing)} is not in {models}; "
                             "nothing is downloaded at run time")
    return det, rec


def character_list(onnx_path: Path) -> list[str]:
    """The recogniser's characters, from the ONNX metadata (key "character")."""
    import onnxruntime as ort

    meta = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"]).get_modelmeta()
    chars = meta.custom_metadata_map.get("character")
    if not chars:
        raise OcrUnavailable(f"{onnx_path.name} carries no character list in its metadata")
    return chars.splitlines()


def build(root: Path) -> None:
    """Write det/ and rec/ folders under root from rapidocr's ONNX files (atomic per folder)."""
    import yaml

    det_onnx, rec_onnx = rapidocr_models()
    root.mkdir(parents=True, exist_ok=True)
    for name, onnx, meta in ((DET_NAME, det_onnx, DET_META), (REC_NAME, rec_onnx, REC_META)):
        folder = root / ("det" if name == DET_NAME else "rec")
        tmp = root / f".{folder.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        shutil.copyfile(onnx, tmp / "inference.onnx")
        data = {"Global": {"model_name": name}, **meta}
        if name == REC_NAME:
            data["PostProcess"] = {**meta["PostProcess"], "character_dict": character_list(onnx)}
        (tmp / "inference.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)


def model_name(folder: Path, default: str) -> str:
    """The `Global.model_name` of a folder's inference.yml (a user's folder may hold another
    model, e.g. PP-OCRv6_medium_rec), or `default`."""
    import yaml

    try:
        data = yaml.safe_load((folder / "inference.yml").read_text(encoding="utf-8")) or {}
        return str(data.get("Global", {}).get("model_name") or default)
    except (OSError, yaml.YAMLError):
        return default


# --- PaddleOCR -----------------------------------------------------------------------------




@dataclass
class PaddleBackend:
    """PaddleOCR 3.x on its onnxruntime engine (paddlepaddle not needed), pointed at local
    model folders only: with both folders given it consults no model hoster."""

    det: object
    rec: object
    name: str = "paddle"
    device: str = "cpu"

    @classmethod
    def load(cls) -> "PaddleBackend":
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        try:
            from paddleocr import TextDetection, TextRecognition
        except ImportError as exc:
            raise OcrUnavailable("GONGKAI_OCR_BACKEND=paddle needs the optional extra: "
                                 f"pip install 'gongkai[paddle]' (paddleocr): {exc}") from exc
        root = os.environ.get("GONGKAI_PADDLE_MODEL_DIR")
        det_dir, rec_dir = model_dirs(Path(root) if root else None)
        onnx = (det_dir / "inference.onnx").is_file() and (rec_dir / "inference.onnx").is_file()
        cuda = use_cuda()
        common: dict = {"engine": "onnxruntime" if onnx else "paddle_static", "device": "gpu:0" if cuda else "cpu"}
        if onnx:
            common["engine_config"] = {"intra_op_num_threads": threads(), "inter_op_num_threads": 1}
        try:
            det = TextDetection(model_name=model_name(det_dir, DET_NAME), model_dir=str(det_dir),
                                limit_side_len=DET_LIMIT_SIDE, limit_type="max", **common)
            rec = TextRecognition(model_name=model_name(rec_dir, REC_NAME),
                                  model_dir=str(rec_dir), **common)
        except Exception as exc:
            raise OcrUnavailable(f"PaddleOCR could not start offline from {det_dir.parent}: "
                                 f"{type(exc).__name__}: {exc}") from exc
        return cls(det=det, rec=rec, device="cuda" if cuda else "cpu")

    def detect(self, image: np.ndarray) -> list[Quad]:
        out = []
        for res in self.det.predict(image):
            for q in res["dt_polys"]:
                out.append([(float(x), float(y)) for x, y in q])
        return out

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        """PaddleOCR gives one score per line and no character probabilities: the digit
        reading is the text with the unambiguous confusions replaced, at a lowered score."""
        if not crops:
            return []
        out = []
        for res in self.rec.predict([_to_bgr(c) for c in crops], batch_size=8):
            text, s = str(res["rec_text"]), float(res["rec_score"])
            digits, changed = fix_number(text)
            out.append(Reading(text, s, s, digits, s * FIX_PENALTY if changed else s))
        return out

    def ocr(self, image: np.ndarray) -> list[tuple[Quad, str, float]]:
        quads = self.detect(image)
        texts = self.recognize([crop_quad(image, q) for q in quads])
        return [(q, r.text, r.score) for q, r in zip(quads, texts) if r.text.strip()]
