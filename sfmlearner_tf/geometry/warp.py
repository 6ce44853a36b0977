"""View synthesis: the source image seen from the target camera (DESIGN.md, `inverse_warp`)."""

import tensorflow as tf

from sfmlearner_tf.geometry.camera import MIN_DEPTH, depth_map, inverse_intrinsics
from sfmlearner_tf.geometry.pose import pose_vec2mat
from sfmlearner_tf.geometry.sampling import bilinear_sample_uv


def _matmul_3x3(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """[B, 3, 3] @ [B, 3, n] as broadcast multiply-and-sum: on CPU a batched matrix product of
    such tiny matrices costs milliseconds of dispatch, 27 multiply-adds cost microseconds."""
    return tf.reduce_sum(a[:, :, :, tf.newaxis] * b[:, tf.newaxis, :, :], axis=2)


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

    depth = depth_map(depth)

    # backproject -> transform -> project, multiplied out. With p = [u, v, 1]^T:
    #   K X_s = K (R d K^-1 p + t) = d (K R K^-1) p + K t = d A p + b,
    # and since K's last row is [0, 0, 1], the third row of K X_s is Z_s. So per pixel
    #   h_i = d (A_i0 u + A_i1 v + A_i2) + b_i,   u_s = h_0 / h_2,   v_s = h_1 / h_2.
    # The 3x3 products are per batch element; per pixel it is all broadcast arithmetic, which
    # costs the training step far less than a batched matrix product over every pixel (and its
    # gradient).
    transform = pose_vec2mat(pose)
    rotation, translation = transform[:, :3, :3], transform[:, :3, 3:]
    mixing = _matmul_3x3(intrinsics, _matmul_3x3(rotation, inverse_intrinsics(intrinsics)))
    offset = _matmul_3x3(intrinsics, translation)[..., 0]

    shape = tf.shape(depth)
    u = tf.cast(tf.range(shape[2]), dtype)[tf.newaxis, tf.newaxis, :]
    v = tf.cast(tf.range(shape[1]), dtype)[tf.newaxis, :, tf.newaxis]

    def row(i):
        a = mixing[:, i, :, tf.newaxis, tf.newaxis]
        return depth * (a[:, 0] * u + a[:, 1] * v + a[:, 2]) + offset[:, i, tf.newaxis, tf.newaxis]

    z = row(2)
    in_front = tf.cast(z > MIN_DEPTH, dtype)
    # Clamped, so points at or behind the camera give large but finite pixels and gradients.
    z = tf.maximum(z, MIN_DEPTH)
    warped, inside = bilinear_sample_uv(image, row(0) / z, row(1) / z)
    in_front = in_front[..., tf.newaxis]
    return warped * in_front, inside * in_front
