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
    # Zero padding, literally: the image gets a border of zeros and (u0, v0) is kept within
    # [-1, W-1] x [-1, H-1], so all four neighbours index the padded image and a neighbour outside
    # the image reads 0. Positions further out are invalid and zeroed below whatever they read;
    # clipping before the int32 cast also keeps it far from overflow for points projected near
    # the camera plane.
    u0 = tf.floor(tf.clip_by_value(u, -1.0, max_u))
    v0 = tf.floor(tf.clip_by_value(v, -1.0, max_v))
    # floor() has no gradient, so the weights carry the whole derivative w.r.t. (u, v).
    du = (u - u0)[..., tf.newaxis]
    dv = (v - v0)[..., tf.newaxis]
    padded_width = width + 2
    padded = tf.reshape(tf.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]]), [-1, channels])
    base = (tf.range(batch) * (height + 2) * padded_width)[:, tf.newaxis, tf.newaxis]
    # Index of (u0, v0) in the padded image, then its right, lower and lower-right neighbours.
    top_left = base + (tf.cast(v0, tf.int32) + 1) * padded_width + tf.cast(u0, tf.int32) + 1
    bottom_left = top_left + padded_width
    sampled = (
        (1.0 - du) * (1.0 - dv) * tf.gather(padded, top_left)
        + du * (1.0 - dv) * tf.gather(padded, top_left + 1)
        + (1.0 - du) * dv * tf.gather(padded, bottom_left)
        + du * dv * tf.gather(padded, bottom_left + 1)
    )
    valid = tf.cast(inside, dtype)[..., tf.newaxis]
    return sampled * valid, valid
