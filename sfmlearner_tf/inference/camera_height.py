"""Depth in metres from a known camera height: the ground plane fixes a monocular map's scale.

A monocular depth map is right up to one unknown factor. If the camera's height above the ground
is known (a car's camera: about 1.65 m for KITTI), the map's own ground plane gives that factor
(DNet, Xue et al. 2020; utiasSTARS/learned_scale_recovery's `ScaleRecovery`):

  1. back-project every pixel, `X = depth · K⁻¹ [u, v, 1]ᵀ` (camera x right, y down, z forward);
  2. a normal per pixel from the cross product of the central differences along u and along v;
  3. ground candidates: normals within `max_tilt_degrees` of straight up, `(0, -1, 0)`, at points
     below the camera (`y > 0`);
  4. the ground's normal `n` is the candidates' median normal (the camera may pitch or roll a
     few degrees); the ground's pixels are chosen again, closer to `n`;
  5. the camera's height in the map's units is the median of `-n · X` over them, and the scale is
     `camera_height / that height`.

The scale is scale-free in the map (normals do not change with it), so any model's output works.
An image with too few ground pixels gets no scale and a reason, never a made-up number.

numpy only: the evaluation and inference programs use it on their predictions.
"""

import dataclasses
from typing import Optional

import numpy as np

# Straight up in the camera frame of a level camera (y points down).
UP = np.array([0.0, -1.0, 0.0])


@dataclasses.dataclass(frozen=True)
class GroundScale:
    """The result for one depth map.

    scale: metres per depth unit (None when the ground was not found).
    height: the camera's height above the ground in the map's own units (None likewise).
    ground_pixels: how many pixels supported it.
    normal: the ground's upward unit normal in the camera frame (None likewise).
    reason: why there is no scale ("" when there is one).
    """

    scale: Optional[float]
    height: Optional[float]
    ground_pixels: int
    normal: Optional[tuple]
    reason: str = ""


def backproject_depth(depth: np.ndarray, intrinsics: np.ndarray) -> np.ndarray:
    """float [H, W, 3] camera-frame points of a z-depth map [H, W], pixel centres at integers."""
    height, width = depth.shape
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    rays = np.stack([u, v, np.ones_like(u)], axis=-1) @ np.linalg.inv(intrinsics).T
    return rays * depth[..., None]


def upward_normals(points: np.ndarray) -> np.ndarray:
    """float [H-2, W-2, 3] unit normals of the interior pixels, oriented towards -y (up).

    For the ground seen by a level camera, stepping right (+u) moves along +x and stepping down
    (+v) moves nearer, so along_u × along_v points down (+y); its negative points up.
    """
    along_u = points[1:-1, 2:] - points[1:-1, :-2]
    along_v = points[2:, 1:-1] - points[:-2, 1:-1]
    normals = -np.cross(along_u, along_v)
    length = np.linalg.norm(normals, axis=-1, keepdims=True)
    return normals / np.maximum(length, 1e-12)


def ground_scale(
    depth: np.ndarray,
    intrinsics: np.ndarray,
    camera_height: float,
    max_tilt_degrees: float = 15.0,
    refine_tilt_degrees: float = 5.0,
    min_ground_fraction: float = 0.01,
) -> GroundScale:
    """The metric scale of one depth map from the camera's height above the ground.

    Args:
      depth: float [H, W] z-depth in any one unit (> 0).
      intrinsics: float [3, 3] K of the map's own resolution, pixel centres at integers.
      camera_height: metres from the camera's centre down to the ground (> 0).
      max_tilt_degrees: ground candidates' normals are at most this far from straight up.
      refine_tilt_degrees: the ground's pixels' normals are at most this far from the
        candidates' median normal.
      min_ground_fraction: below this fraction of the image's pixels, there is no ground.
    """
    depth = np.asarray(depth, np.float64)
    intrinsics = np.asarray(intrinsics, np.float64)
    if depth.ndim != 2 or min(depth.shape) < 3:
        raise ValueError(f"depth must be [H, W] with H, W >= 3, got shape {depth.shape}")
    if intrinsics.shape != (3, 3):
        raise ValueError(f"intrinsics must be 3x3, got shape {intrinsics.shape}")
    if not camera_height > 0:
        raise ValueError(f"camera_height must be > 0 metres, got {camera_height}")
    points = backproject_depth(depth, intrinsics)
    normals = upward_normals(points)
    interior = points[1:-1, 1:-1]
    below = interior[..., 1] > 0
    cos_tilt = np.cos(np.radians(max_tilt_degrees))
    min_pixels = max(1, int(np.ceil(min_ground_fraction * depth.size)))

    ground = below & (normals @ UP > cos_tilt)
    if ground.sum() < min_pixels:
        return _no_ground(ground.sum(), min_pixels, max_tilt_degrees)
    # The median, not the mean: pixels on the ground's border (a kerb, a wall's foot) have
    # normals that lean, and a leaning normal misjudges far points by distance x the lean.
    normal = np.median(normals[ground], axis=0)
    normal /= np.linalg.norm(normal)
    ground = below & (normals @ normal > np.cos(np.radians(refine_tilt_degrees)))
    if ground.sum() < min_pixels:
        return _no_ground(ground.sum(), min_pixels, max_tilt_degrees)
    height = float(np.median(-(interior[ground] @ normal)))
    if not height > 0:
        return GroundScale(None, None, int(ground.sum()), None,
                           f"the ground candidates lie above the camera (height {height:.3g})")
    return GroundScale(camera_height / height, height, int(ground.sum()), tuple(float(c) for c in normal))


def _no_ground(found: int, needed: int, max_tilt_degrees: float) -> GroundScale:
    return GroundScale(None, None, int(found), None,
                       f"no ground visible: {int(found)} pixels below the camera face up within "
                       f"{max_tilt_degrees:g} degrees, {needed} needed")
