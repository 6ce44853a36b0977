"""Disparity smoothness priors: the paper's second-order one and the edge-aware first-order one."""

import tensorflow as tf


def _dx(x: tf.Tensor) -> tf.Tensor:
    return x[:, :, 1:, :] - x[:, :, :-1, :]


def _dy(x: tf.Tensor) -> tf.Tensor:
    return x[:, 1:, :, :] - x[:, :-1, :, :]


def second_order_smoothness(disp: tf.Tensor) -> tf.Tensor:
    """mean|d2/dx2| + mean|d2/dxdy| + mean|d2/dydx| + mean|d2/dy2| of the disparity (the paper).

    Args:
      disp: float32 [B, H, W, 1], disparity (1 / depth).

    Returns:
      float32 scalar; 0 for any disparity that is affine in (u, v).
    """
    dx, dy = _dx(disp), _dy(disp)
    return (
        tf.reduce_mean(tf.abs(_dx(dx)))
        + tf.reduce_mean(tf.abs(_dy(dx)))
        + tf.reduce_mean(tf.abs(_dx(dy)))
        + tf.reduce_mean(tf.abs(_dy(dy)))
    )


def edge_aware_smoothness(disp: tf.Tensor, image: tf.Tensor) -> tf.Tensor:
    """First-order smoothness of mean-normalized disparity, relaxed at image edges (monodepth2).

    `mean(|dx d| exp(-|dx I|)) + mean(|dy d| exp(-|dy I|))` with `d = disp / mean(disp)` per
    image (so the prior cannot be lowered by shrinking the disparity's scale) and `|dI|` the
    channel mean of the gradient of the image in [0, 1].

    Args:
      disp: float32 [B, H, W, 1], disparity.
      image: float32 [B, H, W, C] in [-1, 1], the target image at the disparity's resolution.

    Returns:
      float32 scalar; 0 for a constant disparity.
    """
    disp = disp / (tf.reduce_mean(disp, axis=[1, 2, 3], keepdims=True) + 1e-7)
    image = (image + 1.0) / 2.0
    weight_x = tf.exp(-tf.reduce_mean(tf.abs(_dx(image)), axis=-1, keepdims=True))
    weight_y = tf.exp(-tf.reduce_mean(tf.abs(_dy(image)), axis=-1, keepdims=True))
    return tf.reduce_mean(tf.abs(_dx(disp)) * weight_x) + tf.reduce_mean(
        tf.abs(_dy(disp)) * weight_y
    )
