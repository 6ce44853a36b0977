"""Differentiable bilinear sampling written with core TF ops only.

Only `gather`, `floor`, `cast`, `clip` and arithmetic are used (no tensorflow-addons resampler),
so the sampler runs in any `tf.function` with unknown batch, height and width and every op it
uses is a TFLite builtin.
"""

import tensorflow as tf

# How far (in pixels) outside [0, W-1] x [0, H-1] a sample still counts as inside the image.
BORDER_TOLERANCE = 1e-3


def bilinear_sample(image: tf.Tensor, pixels: tf.Tensor):
    """Samples `image` bilinearly at (u, v) pixel positions, with zeros outside the image.

    A neighbour that lies outside the image contributes 0 (zero padding), and a sample whose
    position lies outside `[0, W-1] x [0, H-1]` (widened by `BORDER_TOLERANCE`) is 0 altogether
    and marked invalid. Gradients flow to `image` and to `pixels` (through the weights).

    Args:
      image: float [B, Hs, Ws, C], the image to sample from.
      pixels: float [B, h, w, 2], (u, v) in `image`'s pixel coordinates (pixel centres at
        integers), not normalized; same dtype as `image`.

    Returns:
      sampled: float [B, h, w, C].
      valid: float [B, h, w, 1], 1 where the position lies inside `[0, Ws-1] x [0, Hs-1]`.
    """
    image = tf.convert_to_tensor(image)
    pixels = tf.convert_to_tensor(pixels, dtype=image.dtype)
    if pixels.shape.rank is not None and (pixels.shape.rank != 4 or pixels.shape[-1] != 2):
        raise ValueError(f"expected pixels of shape [B, h, w, 2], got {pixels.shape}")
    u, v = tf.unstack(pixels, num=2, axis=-1)
    return bilinear_sample_uv(image, u, v)


def bilinear_sample_uv(image: tf.Tensor, u: tf.Tensor, v: tf.Tensor):
    """`bilinear_sample` with the coordinates as two maps, as `inverse_warp` computes them.

    Taking u and v apart saves the training step a stack and the strided-slice gradients of
    reading them back out of a [B, h, w, 2] tensor.

    Args:
      image: float [B, Hs, Ws, C], the image to sample from.
      u, v: float [B, h, w], column and row in `image`'s pixel coordinates; `image`'s dtype.

    Returns:
      sampled: float [B, h, w, C].
      valid: float [B, h, w, 1], 1 where (u, v) lies inside `[0, Ws-1] x [0, Hs-1]`.
    """
    image = tf.convert_to_tensor(image)
    dtype = image.dtype
    u = tf.convert_to_tensor(u, dtype=dtype)
    v = tf.convert_to_tensor(v, dtype=dtype)
    if image.shape.rank is not None and image.shape.rank != 4:
        raise ValueError(f"expected image of shape [B, H, W, C], got {image.shape}")
    shape = tf.shape(image)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    max_u = tf.cast(width - 1, dtype)
    max_v = tf.cast(height - 1, dtype)

    # The tolerance keeps border pixels valid when round-off in the projection puts them a hair
    # outside (identity warps must be valid everywhere); there zero padding costs < 1e-3 of a value.
    inside = (
        (u >= -BORDER_TOLERANCE)
        & (u <= max_u + BORDER_TOLERANCE)
        & (v >= -BORDER_TOLERANCE)
        & (v <= max_v + BORDER_TOLERANCE)
    )
    # Beyond one pixel past the border every neighbour is outside, so clipping there changes no
    # value; it keeps the int32 cast of floor() far from overflow when a point close to the
    # camera plane projects to a huge coordinate.
    u = tf.clip_by_value(u, -2.0, max_u + 2.0)
    v = tf.clip_by_value(v, -2.0, max_v + 2.0)
    u0 = tf.floor(u)
    v0 = tf.floor(v)
    # floor() has no gradient, so the weights carry the whole derivative w.r.t. (u, v).
    du = u - u0
    dv = v - v0
    u0 = tf.cast(u0, tf.int32)
    v0 = tf.cast(v0, tf.int32)

    # The 4 neighbours on a last axis, in the order (u0, v0), (u0+1, v0), (u0, v0+1), (u0+1, v0+1),
    # so that one gather serves them all.
    corner_u = tf.stack([u0, u0 + 1, u0, u0 + 1], axis=-1)
    corner_v = tf.stack([v0, v0, v0 + 1, v0 + 1], axis=-1)
    weights = tf.stack(
        [(1.0 - du) * (1.0 - dv), du * (1.0 - dv), (1.0 - du) * dv, du * dv], axis=-1
    )
    # Zero padding: a neighbour outside the image has weight 0 (its clamped index is only there
    # to keep the gather in range).
    in_image = (
        (corner_u >= 0) & (corner_u <= width - 1) & (corner_v >= 0) & (corner_v <= height - 1)
    )
    weights = weights * tf.cast(in_image, dtype)
    base = (tf.range(batch) * height * width)[:, tf.newaxis, tf.newaxis, tf.newaxis]
    index = (
        base
        + tf.clip_by_value(corner_v, 0, height - 1) * width
        + tf.clip_by_value(corner_u, 0, width - 1)
    )
    values = tf.gather(tf.reshape(image, [-1, channels]), index)
    sampled = tf.reduce_sum(values * weights[..., tf.newaxis], axis=-2)
    valid = tf.cast(inside, dtype)[..., tf.newaxis]
    return sampled * valid, valid
