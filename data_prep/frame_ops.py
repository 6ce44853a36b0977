"""Per-frame work of the TFRecord builder: decode, crop, resize, encode (runs in worker processes).

Imports only numpy and Pillow so that worker processes start quickly and never touch TensorFlow.
"""

import dataclasses
import io
from typing import Optional

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = ("png", "jpeg")


@dataclasses.dataclass(frozen=True)
class FrameTask:
    """One frame to prepare.

    Attributes:
      image_path: the image file.
      native_size: (height, width) every frame of the sequence must have.
      crop_rows: rows [0, crop_rows) of the native image are kept (the bottom is cut off).
      size: (height, width) of the stored frame.
      image_format: "png" or "jpeg" (jpeg_quality applies to the latter).
      depth_path: optional depth map of this frame (`.npy` metres or 16-bit PNG).
      depth_scale: PNG depth units per metre.
    """

    image_path: str
    native_size: tuple
    crop_rows: int
    size: tuple
    image_format: str = "png"
    jpeg_quality: int = 95
    depth_path: Optional[str] = None
    depth_scale: float = 1.0


def image_size(path: str) -> tuple:
    """(height, width) of an image file, read from its header only."""
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError) as error:
        raise ValueError(f"cannot read image {path}: {error}") from error
    return height, width


def _load_rgb(path: str) -> Image.Image:
    try:
        with Image.open(path) as image:
            # Grayscale (KITTI odometry image_0) is replicated to 3 channels here.
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as error:
        raise ValueError(f"cannot read image {path}: {error}") from error


def _load_depth(path: str, scale: float) -> np.ndarray:
    """Depth file -> float32 [H, W] metres, 0 where unknown."""
    try:
        if path.endswith(".npy"):
            depth = np.load(path).astype(np.float32)
        else:
            with Image.open(path) as image:
                depth = np.asarray(image).astype(np.float32) / scale
    except (OSError, ValueError, UnidentifiedImageError) as error:
        raise ValueError(f"cannot read depth map {path}: {error}") from error
    if depth.ndim != 2:
        raise ValueError(f"depth map {path} must be [H, W], got shape {depth.shape}")
    return np.where(np.isfinite(depth) & (depth > 0), depth, 0.0).astype(np.float32)


def encode_image(image: Image.Image, image_format: str, jpeg_quality: int = 95) -> bytes:
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image_format must be one of {IMAGE_FORMATS}, got {image_format!r}")
    buffer = io.BytesIO()
    if image_format == "png":
        image.save(buffer, format="PNG")
    else:
        image.save(buffer, format="JPEG", quality=jpeg_quality)
    return buffer.getvalue()


def prepare_frame(task: FrameTask) -> tuple:
    """Runs one FrameTask -> (encoded image bytes, depth float32 [h, w] or None)."""
    image = _load_rgb(task.image_path)
    if (image.height, image.width) != tuple(task.native_size):
        raise ValueError(
            f"image {task.image_path} is {image.height}x{image.width} but the sequence's first frame is "
            f"{task.native_size[0]}x{task.native_size[1]}: all frames of a sequence must share one size"
        )
    height, width = task.size
    image = image.crop((0, 0, image.width, task.crop_rows)).resize((width, height), Image.Resampling.BILINEAR)
    encoded = encode_image(image, task.image_format, task.jpeg_quality)
    if task.depth_path is None:
        return encoded, None
    depth = _load_depth(task.depth_path, task.depth_scale)
    if depth.shape != tuple(task.native_size):
        raise ValueError(
            f"depth map {task.depth_path} is {depth.shape[0]}x{depth.shape[1]} but its image "
            f"{task.image_path} is {task.native_size[0]}x{task.native_size[1]}"
        )
    # Nearest neighbour keeps depth values real (no blending across edges, 0 stays 'unknown').
    depth_image = Image.fromarray(np.ascontiguousarray(depth[: task.crop_rows]))
    depth = np.asarray(depth_image.resize((width, height), Image.Resampling.NEAREST), np.float32)
    return encoded, depth
