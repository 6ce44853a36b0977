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


def resize_intrinsics(intrinsics, scale_x, scale_y, offset_x=0.0, offset_y=0.0) -> tf.Tensor:
    """K of an image resized by (`scale_x`, `scale_y`), then cropped at (`offset_x`, `offset_y`).

    The project's one rule for every resize (the intrinsics pyramid, decoding, augmentation and
    data prep; DESIGN.md, 'Intrinsics pyramid'). Pixel centres sit at integers, and resizing
    maps pixel areas onto pixel areas, as `tf.image.resize`, pillow and 2x2 average pooling all
    do: output pixel u' covers input [u' / s, (u' + 1) / s), so its centre is at input position
    (u' + 0.5) / s - 0.5. Inverting, input column u lands at u' = (u + 0.5)·s - 0.5, and a crop
    then subtracts its corner:

        fx' = s_x fx,   skew' = s_x skew,   cx' = s_x cx + (s_x - 1) / 2 - offset_x
        fy' = s_y fy,                       cy' = s_y cy + (s_y - 1) / 2 - offset_y

    i.e. K' = A K with A = [[s_x, 0, (s_x - 1) / 2 - offset_x], [0, s_y, (s_y - 1) / 2 - offset_y],
    [0, 0, 1]], the same map applied to pixel coordinates. (The paper's code multiplied cx, cy by
    s, which is off by (1 - s) / 2 px: 0.44 px at the pyramid's scale 3.)

    Args:
      intrinsics: float [..., 3, 3] (numpy or tensor).
      scale_x, scale_y: float scalars, new size / old size.
      offset_x, offset_y: float scalars, the crop's top-left corner in the resized image.

    Returns:
      float32 [..., 3, 3].
    """
    intrinsics = tf.cast(intrinsics, tf.float32)
    scale_x, scale_y = tf.cast(scale_x, tf.float32), tf.cast(scale_y, tf.float32)
    shift_x = (scale_x - 1.0) / 2.0 - tf.cast(offset_x, tf.float32)
    shift_y = (scale_y - 1.0) / 2.0 - tf.cast(offset_y, tf.float32)
    zero, one = tf.zeros([]), tf.ones([])
    resize = tf.reshape(tf.stack([scale_x, zero, shift_x, zero, scale_y, shift_y, zero, zero, one]), [3, 3])
    return tf.linalg.matmul(tf.broadcast_to(resize, tf.shape(intrinsics)), intrinsics)


def intrinsics_pyramid(intrinsics: tf.Tensor, num_scales: int) -> tf.Tensor:
    """Intrinsics of the image downsampled by 2^s for s = 0 .. num_scales-1.

    Args:
      intrinsics: float [B, 3, 3], at the input resolution.
      num_scales: Python int >= 1.

    Returns:
      float32 [B, num_scales, 3, 3]; scale s is `resize_intrinsics(K, 2^-s, 2^-s)`: fx, fy and
      the skew divided by 2^s, and c' = (c + 0.5)·2^-s - 0.5, the centre of the 2^s x 2^s block
      that area averaging (the loss's `area_downsample`) turns into one pixel.
    """
    if num_scales < 1:
        raise ValueError(f"num_scales must be >= 1, got {num_scales}")
    intrinsics = tf.convert_to_tensor(intrinsics)
    _check_intrinsics(intrinsics)
    scales = [resize_intrinsics(intrinsics, 0.5**s, 0.5**s) for s in range(num_scales)]
    return tf.stack(scales, axis=1)
