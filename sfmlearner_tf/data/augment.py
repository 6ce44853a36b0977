"""Training augmentation of a snippet: one random draw per snippet, applied to every frame.

Geometric: a random zoom s ∈ [1, max_scale] followed by a random crop back to H×W, then a
horizontal flip with probability 1/2; K, `gt_depth` (nearest sampling) and `gt_poses` follow.
Photometric: brightness, contrast and saturation factors in [1 - w, 1 + w] for the DataConfig
half-widths w. Every frame of a snippet gets the same transform, so the view-synthesis
constraint between frames is untouched.

All draws are stateless (`tf.random.stateless_*`) from one per-snippet seed, so a given seed
gives the same augmentation on every run and after an input-pipeline checkpoint is restored.
"""

import tensorflow as tf

from sfmlearner_tf.config import DataConfig
from sfmlearner_tf.geometry import resize_intrinsics

# ITU-R BT.601 luma weights, the grey level that contrast and saturation blend towards.
_LUMA = (0.299, 0.587, 0.114)

# Mirroring the camera x axis, M = diag(-1, 1, 1), maps a camera-to-world pose [R | t] to
# [M R M | M t] (in the equally mirrored world): entries (0, 1), (0, 2), (1, 0), (2, 0) of R
# and t_x change sign. Relative motions transform the same way, so they stay consistent.
_FLIP_POSE_SIGNS = ((1.0, -1.0, -1.0, -1.0), (-1.0, 1.0, 1.0, 1.0), (-1.0, 1.0, 1.0, 1.0))


def scale_and_crop(snippet: dict, seed: tf.Tensor, max_scale: float) -> dict:
    """Zooms by a random s ∈ [1, max_scale] and crops a random H×W window.

    Args:
      snippet: dict with `frames` float32 [S, H, W, 3], `intrinsics` float32 [3, 3] and
        optionally `gt_depth` float32 [H, W, 1] (see decode.py).
      seed: int32 [2], stateless seed of this snippet.
      max_scale: Python float >= 1.

    Returns:
      The snippet with frames, intrinsics (and gt_depth) transformed; same shapes.
    """
    frames = snippet["frames"]
    height, width = frames.shape[1], frames.shape[2]
    scale_seed, y_seed, x_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    scale = tf.random.stateless_uniform([], scale_seed, 1.0, max_scale)
    new_height = tf.cast(tf.round(height * scale), tf.int32)
    new_width = tf.cast(tf.round(width * scale), tf.int32)
    offset_y = tf.random.stateless_uniform([], y_seed, 0, new_height - height + 1, dtype=tf.int32)
    offset_x = tf.random.stateless_uniform([], x_seed, 0, new_width - width + 1, dtype=tf.int32)

    def zoom(images, method):
        resized = tf.image.resize(images, tf.stack([new_height, new_width]), method=method)
        return resized[..., offset_y : offset_y + height, offset_x : offset_x + width, :]

    out = dict(snippet)
    out["frames"] = tf.ensure_shape(zoom(frames, "bilinear"), frames.shape)
    # The realised scale is the rounded size's ratio, not the drawn s.
    out["intrinsics"] = resize_intrinsics(
        snippet["intrinsics"],
        tf.cast(new_width, tf.float32) / width,
        tf.cast(new_height, tf.float32) / height,
        tf.cast(offset_x, tf.float32),
        tf.cast(offset_y, tf.float32),
    )
    if "gt_depth" in snippet:
        out["gt_depth"] = tf.ensure_shape(zoom(snippet["gt_depth"], "nearest"), snippet["gt_depth"].shape)
    return out


def flip_horizontally(snippet: dict) -> dict:
    """Mirrors every frame left-right: u -> W-1-u, so cx -> W-1-cx and the skew changes sign.

    `gt_depth` is mirrored too, and `gt_poses` become the poses of the mirrored world
    (see _FLIP_POSE_SIGNS), so ground-truth motion stays consistent with the images.
    """
    width = snippet["frames"].shape[2]
    out = dict(snippet)
    out["frames"] = tf.reverse(snippet["frames"], axis=[2])
    intrinsics = snippet["intrinsics"]
    out["intrinsics"] = tf.tensor_scatter_nd_update(
        intrinsics, [[0, 1], [0, 2]], [-intrinsics[0, 1], width - 1.0 - intrinsics[0, 2]]
    )
    if "gt_depth" in snippet:
        out["gt_depth"] = tf.reverse(snippet["gt_depth"], axis=[1])
    if "gt_poses" in snippet:
        out["gt_poses"] = snippet["gt_poses"] * tf.constant(_FLIP_POSE_SIGNS)
    return out


def jitter_colors(frames: tf.Tensor, seed: tf.Tensor, brightness: float, contrast: float, saturation: float):
    """Same brightness, contrast and saturation change for every frame.

    Args:
      frames: float32 [S, H, W, 3] in [0, 1].
      seed: int32 [2].
      brightness, contrast, saturation: half-widths w of the factors drawn from [1 - w, 1 + w].

    Returns:
      float32 [S, H, W, 3] in [0, 1]. Contrast blends towards the whole snippet's mean grey
      level (not each frame's), so the map from input to output colour is one function for
      all frames.
    """
    seeds = tf.unstack(tf.random.experimental.stateless_split(seed, 3))

    def factor(half_width, factor_seed):
        if half_width <= 0:
            return tf.ones([])
        return tf.random.stateless_uniform([], factor_seed, 1 - half_width, 1 + half_width)

    b, c, s = factor(brightness, seeds[0]), factor(contrast, seeds[1]), factor(saturation, seeds[2])
    # The three steps, with g = grey(x) and m the snippet's mean grey level after brightness:
    #   x1 = b·x;   x2 = m + c·(x1 - m);   x3 = g2 + s·(x2 - g2),  g2 = grey(x2) = m + c·(b·g - m).
    # All are affine in (x, g), so they collapse into one pass over the pixels:
    #   x3 = s·c·b·x + (1 - s)·c·b·g + (1 - c)·m,   m = b·mean(g).
    grey = frames[..., 0:1] * _LUMA[0] + frames[..., 1:2] * _LUMA[1] + frames[..., 2:3] * _LUMA[2]
    mean_grey = b * tf.reduce_mean(grey)
    out = (s * c * b) * frames + ((1 - s) * c * b) * grey + (1 - c) * mean_grey
    return tf.clip_by_value(out, 0.0, 1.0)


def augment_snippet(snippet: dict, seed: tf.Tensor, config: DataConfig) -> dict:
    """Zoom-crop, flip and colour jitter of one snippet (dict of decode.py), all from `seed` int32 [2]."""
    geometry_seed, flip_seed, color_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    if config.max_scale > 1.0:
        snippet = scale_and_crop(snippet, geometry_seed, config.max_scale)
    flip = tf.random.stateless_uniform([], flip_seed) < 0.5
    snippet = tf.cond(flip, lambda: flip_horizontally(snippet), lambda: dict(snippet))
    if config.brightness > 0 or config.contrast > 0 or config.saturation > 0:
        snippet = dict(snippet)
        snippet["frames"] = jitter_colors(
            snippet["frames"], color_seed, config.brightness, config.contrast, config.saturation
        )
    return snippet
