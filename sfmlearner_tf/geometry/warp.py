"""View synthesis: the source image seen from the target camera (DESIGN.md, `inverse_warp`)."""

import tensorflow as tf

from sfmlearner_tf.geometry.camera import backproject, project
from sfmlearner_tf.geometry.pose import pose_vec2mat
from sfmlearner_tf.geometry.sampling import bilinear_sample


# Straight-line tensor code: AutoGraph would only spend tracing time converting it.
@tf.autograph.experimental.do_not_convert
def inverse_warp(image: tf.Tensor, depth: tf.Tensor, pose: tf.Tensor, intrinsics: tf.Tensor):
    """Samples the source image at the projection of every target pixel.

    Each target pixel `p` is lifted with its depth, `X_t = depth(p) K^-1 [p, 1]`, moved into the
    source camera, `X_s = R X_t + t`, projected, `p_s = (K X_s)[:2] / Z_s`, and the source image
    is sampled bilinearly at `p_s`. Differentiable w.r.t. image, depth and pose; never NaN for
    depth <= 0 or points behind the source camera (their samples are 0 and invalid).

    Args:
      image: float [B, Hs, Ws, C], the source image.
      depth: float [B, H, W] or [B, H, W, 1], z-depth of the target view (same unit as `pose`'s
        translation).
      pose: float [B, 6], target->source `[tx, ty, tz, rx, ry, rz]`.
      intrinsics: float [B, 3, 3], `K` at the resolution of `depth` and `image` (one camera).

    Returns:
      warped: float [B, H, W, C], the source image in the target view; 0 where invalid.
      valid: float [B, H, W, 1], 1 where `p_s` lies inside `[0, Ws-1] x [0, Hs-1]` and the point
        is in front of the source camera, else 0.
    """
    image = tf.convert_to_tensor(image)
    dtype = image.dtype
    depth = tf.convert_to_tensor(depth, dtype=dtype)
    pose = tf.convert_to_tensor(pose, dtype=dtype)
    intrinsics = tf.convert_to_tensor(intrinsics, dtype=dtype)
    if pose.shape.rank is not None and (pose.shape.rank != 2 or pose.shape[-1] != 6):
        raise ValueError(f"expected pose of shape [B, 6], got {pose.shape}")

    points_t = backproject(depth, intrinsics)
    transform = pose_vec2mat(pose)
    rotation = transform[:, tf.newaxis, tf.newaxis, :3, :3]
    translation = transform[:, tf.newaxis, tf.newaxis, :3, 3]
    # X_s = R X_t + t for every pixel: R broadcasts as [B, 1, 1, 3, 3] over [B, H, W, 3].
    points_s = tf.linalg.matvec(rotation, points_t) + translation
    pixels, in_front = project(points_s, intrinsics)
    warped, inside = bilinear_sample(image, pixels)
    valid = inside * in_front
    return warped * in_front, valid
