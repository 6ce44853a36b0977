"""Pinhole camera: pixel grid, back-projection, projection and intrinsics at other scales.

Pixels have integer coordinates at their centres (column `u` in [0, W-1], row `v` in [0, H-1]);
the camera frame is x right, y down, z forward; depth is z-depth. Intrinsics `K` are
`[[fx, s, cx], [0, fy, cy], [0, 0, 1]]` (any skew `s`). Shapes come from `tf.shape` at run time,
so batch, height and width may all be unknown while tracing.
"""

import tensorflow as tf

# Projection divides by Z; closer than this (in the depth's unit) counts as "not in front".
MIN_DEPTH = 1e-3


def pixel_grid(height, width, dtype=tf.float32) -> tf.Tensor:
    """The (u, v) coordinates of every pixel centre.

    Args:
      height, width: int or scalar int32 tensor.

    Returns:
      `dtype` [H, W, 2], `grid[v, u] == (u, v)`.
    """
    u = tf.cast(tf.range(width), dtype)
    v = tf.cast(tf.range(height), dtype)
    uu, vv = tf.meshgrid(u, v)
    return tf.stack([uu, vv], axis=-1)


def _check_intrinsics(intrinsics: tf.Tensor) -> None:
    shape = intrinsics.shape
    if shape.rank is not None and (shape.rank != 3 or shape[1:] != (3, 3)):
        raise ValueError(f"expected intrinsics of shape [B, 3, 3], got {shape}")


def depth_map(depth: tf.Tensor) -> tf.Tensor:
    """A depth of shape [B, H, W] or [B, H, W, 1] as [B, H, W]; any other rank is a ValueError."""
    if depth.shape.rank == 4:
        return depth[..., 0]
    if depth.shape.rank != 3:
        raise ValueError(f"expected depth of shape [B, H, W] or [B, H, W, 1], got {depth.shape}")
    return depth


def backproject(depth: tf.Tensor, intrinsics: tf.Tensor) -> tf.Tensor:
    """Lifts every pixel to a 3-D point of its camera frame: `X = depth * K^-1 [u, v, 1]^T`.

    Args:
      depth: float [B, H, W] or [B, H, W, 1], z-depth of each pixel.
      intrinsics: float [B, 3, 3], `K` of the depth map's resolution.

    Returns:
      float [B, H, W, 3], points (X, Y, Z) in the camera frame, `Z == depth`.
    """
    depth = tf.convert_to_tensor(depth)
    intrinsics = tf.convert_to_tensor(intrinsics, dtype=depth.dtype)
    _check_intrinsics(intrinsics)
    depth = depth_map(depth)
    shape = tf.shape(depth)
    grid = pixel_grid(shape[1], shape[2], depth.dtype)
    u, v = grid[tf.newaxis, ..., 0], grid[tf.newaxis, ..., 1]

    def entry(row, col):
        return intrinsics[:, row, col][:, tf.newaxis, tf.newaxis]

    # K is upper triangular with K22 = 1, so K^-1 [u, v, 1] is solved from the bottom row up:
    #   v = fy y + cy        ->  y = (v - cy) / fy
    #   u = fx x + s y + cx  ->  x = (u - cx - s y) / fx
    # which needs no general matrix inverse (not a TFLite builtin) and is exact.
    ray_y = (v - entry(1, 2)) / entry(1, 1)
    ray_x = (u - entry(0, 2) - entry(0, 1) * ray_y) / entry(0, 0)
    return tf.stack([ray_x * depth, ray_y * depth, depth], axis=-1)


def project(points: tf.Tensor, intrinsics: tf.Tensor):
    """Projects camera-frame points to pixels: `[u, v] = (K X)[:2] / Z`.

    `Z` is clamped to at least `MIN_DEPTH` before dividing, so points at or behind the camera give
    large but finite pixels (and finite gradients); `in_front` marks them.

    Args:
      points: float [B, H, W, 3], (X, Y, Z) in the frame of the camera `intrinsics` belongs to.
      intrinsics: float [B, 3, 3].

    Returns:
      pixels: float [B, H, W, 2], (u, v), not normalized.
      in_front: float [B, H, W, 1], 1 where `Z > MIN_DEPTH`, else 0.
    """
    points = tf.convert_to_tensor(points)
    intrinsics = tf.convert_to_tensor(intrinsics, dtype=points.dtype)
    _check_intrinsics(intrinsics)
    if points.shape.rank is not None and (points.shape.rank != 4 or points.shape[-1] != 3):
        raise ValueError(f"expected points of shape [B, H, W, 3], got {points.shape}")
    z = points[..., 2:3]
    in_front = tf.cast(z > MIN_DEPTH, points.dtype)
    # Row-vector form over all pixels at once: (K X)^T = X^T K^T, [B, H*W, 3] @ [B, 3, 3].
    shape = tf.shape(points)
    flat = tf.reshape(points, [shape[0], -1, 3])
    homogeneous = tf.reshape(
        tf.linalg.matmul(flat, intrinsics, transpose_b=True), shape
    )
    pixels = homogeneous[..., :2] / tf.maximum(z, MIN_DEPTH)
    return pixels, in_front


def inverse_intrinsics(intrinsics: tf.Tensor) -> tf.Tensor:
    """`K^-1` in closed form (no general matrix inverse, which is not a TFLite builtin).

    K = [[fx, s, cx], [0, fy, cy], [0, 0, 1]] is upper triangular, and so is its inverse:

        K^-1 = [[1/fx, -s/(fx fy), (s cy - cx fy)/(fx fy)],
                [0,     1/fy,      -cy/fy                ],
                [0,     0,          1                    ]]

    Args:
      intrinsics: float [B, 3, 3].

    Returns:
      float [B, 3, 3].
    """
    intrinsics = tf.convert_to_tensor(intrinsics)
    _check_intrinsics(intrinsics)
    fx, skew, cx = intrinsics[:, 0, 0], intrinsics[:, 0, 1], intrinsics[:, 0, 2]
    fy, cy = intrinsics[:, 1, 1], intrinsics[:, 1, 2]
    zero, one = tf.zeros_like(fx), tf.ones_like(fx)
    rows = [
        [1.0 / fx, -skew / (fx * fy), (skew * cy - cx * fy) / (fx * fy)],
        [zero, 1.0 / fy, -cy / fy],
        [zero, zero, one],
    ]
    return tf.stack([tf.stack(row, axis=-1) for row in rows], axis=-2)


def scale_intrinsics(intrinsics: tf.Tensor, sx, sy) -> tf.Tensor:
    """Intrinsics of the image resized by `sx` horizontally and `sy` vertically.

    `fx, s, cx` are multiplied by `sx` and `fy, cy` by `sy` (the paper's convention, which treats
    pixel coordinates as continuous from the image corner).

    Args:
      intrinsics: float [..., 3, 3].
      sx, sy: float scalars (Python numbers or tensors).

    Returns:
      float [..., 3, 3].
    """
    intrinsics = tf.convert_to_tensor(intrinsics)
    sx = tf.cast(sx, intrinsics.dtype)
    sy = tf.cast(sy, intrinsics.dtype)
    one = tf.ones_like(sx)
    scale = tf.reshape(tf.stack([sx, sy, one]), [3, 1])
    return intrinsics * scale


def intrinsics_pyramid(intrinsics: tf.Tensor, num_scales: int) -> tf.Tensor:
    """Intrinsics of the image downsampled by 2^s for s = 0 .. num_scales-1.

    Args:
      intrinsics: float [B, 3, 3], at the input resolution.
      num_scales: Python int >= 1.

    Returns:
      float [B, num_scales, 3, 3]; scale s has fx, fy, cx, cy (and skew) divided by 2^s.
    """
    if num_scales < 1:
        raise ValueError(f"num_scales must be >= 1, got {num_scales}")
    intrinsics = tf.convert_to_tensor(intrinsics)
    _check_intrinsics(intrinsics)
    scales = [
        scale_intrinsics(intrinsics, 0.5**s, 0.5**s) for s in range(num_scales)
    ]
    return tf.stack(scales, axis=1)
