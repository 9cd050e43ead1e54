"""Loading a still picture once, upright and no larger than the camera path needs.

Big photos are reduced at decode time where the format allows (JPEG's DCT scaling via ``Image.draft``),
then resized once to the largest scale the motion reaches, so frames are never warped from a 48-megapixel
original and an 8000×6000 JPEG decodes in a few tens of megabytes. (Small ones are enlarged later, as
YUV planes: frames.py.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from .errors import RenderInputError, check_media_file

# Registering the HEIF opener is an idempotent, process-wide plugin registration (like Pillow's own
# formats), done once at import so that Image.open reads HEIC.
register_heif_opener()

# EXIF orientations 5–8 swap width and height.
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}

RGB = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Picture:
    """An upright RGB picture (``pixels`` is H×W×3, even-sized) and the size it stands for.

    ``size`` is the picture's true (width, height) in pixels of ``pixels``; ``pixels`` may carry one extra
    replicated column/row so that its chroma planes can be halved exactly. ``original_size`` is the upright
    size of the file before any reduction.
    """

    pixels: RGB
    size: tuple[int, int]
    original_size: tuple[int, int]


def load_picture(path: Path, scale_for: Callable[[tuple[int, int]], float], *, name: str = "") -> Picture:
    """Decode ``path`` upright (EXIF orientation applied), reduced to the scale the camera needs.

    Args:
        path: a JPEG, PNG, WEBP or HEIC file of at most 50 MB.
        scale_for: given the upright original (width, height), the largest output-per-source pixel ratio
            the camera reaches; below 1 the picture is reduced by that factor, otherwise kept as is.
        name: how to name the file in error messages (e.g. the segment's source).

    Raises:
        RenderInputError: missing, too large, or not a readable image.
    """
    label = name or path.name
    check_media_file(path, f"image {label}")
    try:
        with Image.open(path) as image:
            return _decode(image, scale_for)
    except RenderInputError:  # from ``scale_for`` (the camera); a ValueError, but not the file's fault
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise RenderInputError(
            f"image {label}: not a readable JPEG/PNG/WEBP/HEIC file ({exc}); re-export it"
        ) from None


def upright_size(image: Image.Image) -> tuple[int, int]:
    """The (width, height) the picture shows once its EXIF orientation is applied (read from the header)."""
    swaps = image.getexif().get(0x0112, 1) in _SWAPPING_ORIENTATIONS
    return (image.height, image.width) if swaps else (image.width, image.height)


def _decode(image: Image.Image, scale_for: Callable[[tuple[int, int]], float]) -> Picture:
    upright = upright_size(image)
    swaps = upright != image.size
    scale = min(1.0, scale_for(upright))
    target = (max(2, math.ceil(upright[0] * scale)), max(2, math.ceil(upright[1] * scale)))
    if scale < 1.0 and image.format == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 straight from the DCT: never less than the target size.
        image.draft("RGB", (target[1], target[0]) if swaps else target)
    image.load()
    ImageOps.exif_transpose(image, in_place=True)  # in place: no second full-size copy
    pixels = np.asarray(_to_rgb(image), dtype=np.uint8)
    if scale < 1.0 and (pixels.shape[1], pixels.shape[0]) != target:
        # Area averaging: alias-free when shrinking, and 4× faster than Pillow's Lanczos at these sizes.
        import cv2  # here: checks before a render read a picture's header from this module (measure.py)

        pixels = np.asarray(cv2.resize(pixels, target, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    size = (pixels.shape[1], pixels.shape[0])
    return Picture(_pad_even(pixels), size, upright)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become black, as a video player would show them.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _pad_even(pixels: RGB) -> RGB:
    height, width = pixels.shape[:2]
    pad_h, pad_w = height % 2, width % 2
    if not (pad_h or pad_w):
        return np.ascontiguousarray(pixels)
    return np.pad(pixels, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
