"""Reading the text in a frame, offline, for --qc full: RapidOCR on ONNX Runtime, an optional extra.

Chosen because its wheel ships its models (PP-OCRv6 small detection and recognition, 31 MB, Apache-2.0)
and reads Latin, Chinese and Japanese kana/kanji without downloading anything at run time; Tesseract needs
system packages and cropped, binarised lines, EasyOCR downloads its weights on first use. Installed with
``pip install 'motionctl[ocr]'`` (about 110 MB with ONNX Runtime). Without it every clip's verdict says
spelling was not checked and how to install it.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from typing import Any

import numpy as np
import numpy.typing as npt

INSTALL = "pip install 'motionctl[ocr]'"
Image = npt.NDArray[np.uint8]  # BGR


def available() -> bool:
    return (
        importlib.util.find_spec("rapidocr") is not None
        and importlib.util.find_spec("onnxruntime") is not None
    )


@functools.cache
def _engine() -> Any:
    import logging

    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    # One thread: the QC runs beside renders and other checks; the models are small. Crops are scaled so
    # their longer side is at most 960 px for detection (the default scales the *shorter* side up to 736,
    # which makes a wide title crop several times larger and slower).
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": 960,
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def read(image: Image) -> tuple[str, float]:
    """The text in ``image``, lines top to bottom joined by spaces, and the lowest line's confidence."""
    result = _engine()(image)
    texts = getattr(result, "txts", None) or ()
    if not texts:
        return "", 0.0
    boxes = getattr(result, "boxes", None)
    scores = list(getattr(result, "scores", None) or [0.0] * len(texts))
    order = list(range(len(texts)))
    if boxes is not None:
        order = sorted(order, key=lambda i: (float(np.mean(boxes[i][:, 1])), float(np.mean(boxes[i][:, 0]))))
    return " ".join(str(texts[i]) for i in order), float(min(scores))


def normalised(text: str) -> str:
    """What reading can be held to: letters and digits (any script), case-folded, without spaces,
    punctuation, symbols or emoji (fonts and OCR differ on dashes and quotes; emoji are pictures)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in ("L", "N"))


def distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
