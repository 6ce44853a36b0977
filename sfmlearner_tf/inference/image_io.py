"""Reading input images, writing depth maps (16-bit PNG, npy, colourized PNG), in numpy + pillow.

Channel policy of every reader here (inference and raw-sequence evaluation): RGB is used as
is; grayscale (1 channel, e.g. KITTI odometry's image_0) is replicated to 3 channels; RGBA,
palette and CMYK images are converted to RGB (alpha dropped); anything else (2-channel
grayscale+alpha, 16-bit or float single-channel) is rejected with a ValueError naming the file,
because no colour image can be recovered from it without guessing.
"""

import io
import os

import numpy as np
from PIL import Image

from sfmlearner_tf import atomic_write

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm")

_CONVERT_TO_RGB = ("RGBA", "RGBX", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV")

# Magma-like colour map (dark = far, bright = near when fed disparity): 9 anchors of
# matplotlib's 'magma' at 0, 1/8, ..., 1, linearly interpolated to 256 entries.
_MAGMA_ANCHORS = np.array(
    [
        [0.001, 0.000, 0.014],
        [0.079, 0.054, 0.212],
        [0.232, 0.060, 0.438],
        [0.390, 0.100, 0.502],
        [0.550, 0.161, 0.506],
        [0.716, 0.215, 0.475],
        [0.869, 0.288, 0.409],
        [0.968, 0.440, 0.360],
        [0.987, 0.991, 0.750],
    ]
)
COLORMAP = np.stack(
    [np.interp(np.linspace(0, 1, 256), np.linspace(0, 1, len(_MAGMA_ANCHORS)), _MAGMA_ANCHORS[:, c]) for c in range(3)],
    axis=1,
)
COLORMAP = np.round(COLORMAP * 255).astype(np.uint8)


def read_rgb(path: str) -> np.ndarray:
    """An image file -> uint8 [H, W, 3] RGB under the module's channel policy."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"image {path} not found")
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            if mode == "RGB":
                array = np.asarray(image)
            elif mode in ("L", "1"):
                array = np.repeat(np.asarray(image.convert("L"))[..., None], 3, axis=2)
            elif mode in _CONVERT_TO_RGB:
                array = np.asarray(image.convert("RGB"))
            else:
                raise ValueError(
                    f"{path}: unsupported image mode {mode!r} ({len(image.getbands())} channels); "
                    "expected grayscale, RGB or RGBA"
                )
    except (OSError, SyntaxError) as error:
        raise ValueError(f"{path}: cannot read image ({error})") from error
    return np.ascontiguousarray(array, dtype=np.uint8)


def list_images(folder: str) -> list[str]:
    """Image files of `folder` (not recursive), sorted by name; an empty folder is an error."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"folder {folder} not found")
    names = sorted(name for name in os.listdir(folder) if name.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise ValueError(f"folder {folder} holds no image ({', '.join(IMAGE_EXTENSIONS)})")
    return [os.path.join(folder, name) for name in names]


def resize_bilinear(array: np.ndarray, height: int, width: int) -> np.ndarray:
    """float [h, w] or uint8 [h, w, 3] -> the same dtype at [height, width], bilinear (pillow).

    Pillow's bilinear filter widens its support when shrinking, so downsampling is antialiased
    (like the resizing that produced the training data) and upsampling is plain bilinear.
    """
    if array.shape[:2] == (height, width):
        return array
    if array.ndim == 2:
        image = Image.fromarray(np.asarray(array, np.float32))
        return np.asarray(image.resize((width, height), Image.BILINEAR), np.float32)
    return np.asarray(Image.fromarray(array).resize((width, height), Image.BILINEAR))


def _save_atomically(image: Image.Image, path: str) -> None:
    encoded = io.BytesIO()
    image.save(encoded, format="PNG")
    atomic_write.write_bytes(path, encoded.getvalue())


def write_depth_png(path: str, depth: np.ndarray, scale: float = 256.0) -> None:
    """float [H, W] metres -> uint16 PNG of round(depth * scale), clipped to [0, 65535] (0 = unknown).

    With the default scale 256 (KITTI's depth benchmark) the range is 0 to 256 m in 1/256 m steps.
    """
    values = np.clip(np.round(np.asarray(depth, np.float64) * scale), 0, 65535).astype(np.uint16)
    _save_atomically(Image.fromarray(values), path)


def read_depth_png(path: str, scale: float = 256.0) -> np.ndarray:
    """uint16 depth PNG -> float32 [H, W] metres (value / scale; 0 stays 0 = unknown)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"depth map {path} not found")
    with Image.open(path) as image:
        values = np.asarray(image)
    if values.ndim != 2:
        raise ValueError(f"{path}: a depth PNG must have one channel, got shape {values.shape}")
    return values.astype(np.float32) / scale


def write_npy(path: str, array: np.ndarray) -> None:
    """An array -> a `.npy` file, atomically."""
    encoded = io.BytesIO()
    np.save(encoded, array)
    atomic_write.write_bytes(path, encoded.getvalue())


def colorize_depth(depth: np.ndarray) -> np.ndarray:
    """float [H, W] depth -> uint8 [H, W, 3]: disparity 1/depth through the magma LUT.

    Disparity is normalized by its 95th percentile (monodepth2's display choice), so a few very
    near pixels do not wash out the rest.
    """
    disparity = 1.0 / np.maximum(np.asarray(depth, np.float64), 1e-6)
    top = np.percentile(disparity, 95)
    bottom = disparity.min()
    normalized = np.clip((disparity - bottom) / max(top - bottom, 1e-12), 0, 1)
    return COLORMAP[np.round(normalized * 255).astype(np.int64)]


def write_color_png(path: str, image: np.ndarray) -> None:
    """uint8 [H, W, 3] -> PNG, atomically."""
    _save_atomically(Image.fromarray(np.asarray(image, np.uint8)), path)
