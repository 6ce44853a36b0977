"""Disparity smoothness priors: the paper's second-order one and the edge-aware first-order one."""

import numpy as np
import tensorflow as tf


def _dx(x: tf.Tensor) -> tf.Tensor:
    return x[:, :, 1:, :] - x[:, :, :-1, :]


def _dy(x: tf.Tensor) -> tf.Tensor:
    return x[:, 1:, :, :] - x[:, :-1, :, :]


# Second differences as 'VALID' convolution kernels [h, w, in, out]: d2/dx2 = [1, -2, 1] along a
# row, d2/dy2 the same down a column, and d2/dxdy = d2/dydx = [[1, -1], [-1, 1]]. numpy, not
# tf.constant: a tensor made at import would start TensorFlow before programs set its threads.
_DXX = np.array([1.0, -2.0, 1.0], np.float32).reshape([1, 3, 1, 1])
_DYY = np.array([1.0, -2.0, 1.0], np.float32).reshape([3, 1, 1, 1])
_DXY = np.array([[1.0, -1.0], [-1.0, 1.0]], np.float32).reshape([2, 2, 1, 1])


def second_order_smoothness(disp: tf.Tensor) -> tf.Tensor:
    """mean|d2/dx2| + mean|d2/dxdy| + mean|d2/dydx| + mean|d2/dy2| of the disparity (the paper).

    The paper takes the first differences of the first differences; d/dy(d/dx) and d/dx(d/dy)
    are the same [H-1, W-1] map, so the sum is mean|dxx| + 2 mean|dxy| + mean|dyy|. Each map is
    one small convolution: the same numbers as the slices-and-subtractions form, for a fraction of
    the training step's time (the gradients of twelve full-size slices were a scatter each).

    Args:
      disp: float32 [B, H, W, 1], disparity (1 / depth).

    Returns:
      float32 scalar; 0 for any disparity that is affine in (u, v).
    """
    def second_difference(kernel):
        return tf.reduce_mean(tf.abs(tf.nn.conv2d(disp, kernel, strides=1, padding="VALID")))

    return second_difference(_DXX) + 2.0 * second_difference(_DXY) + second_difference(_DYY)


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
