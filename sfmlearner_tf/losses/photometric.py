"""Per-pixel photometric errors between a target image and a source warped into its view.

Images are in [-1, 1] (the networks' range). L1 is taken on that range, as in the paper; SSIM is
computed on `(x + 1) / 2` in [0, 1], where its constants C1 = 0.01^2, C2 = 0.03^2 are defined.
"""

import tensorflow as tf

SSIM_C1 = 0.01**2
SSIM_C2 = 0.03**2


def l1_error(target: tf.Tensor, warped: tf.Tensor) -> tf.Tensor:
    """|target - warped| averaged over channels.

    Args:
      target, warped: float32 [B, H, W, C] in [-1, 1].

    Returns:
      float32 [B, H, W, 1].
    """
    return tf.reduce_mean(tf.abs(target - warped), axis=-1, keepdims=True)


def _local_mean(x: tf.Tensor) -> tf.Tensor:
    """3x3 box mean with reflected borders, same size as `x` [B, H, W, C] (H, W >= 2, C static).

    A depthwise convolution with a constant 1/9 kernel rather than `avg_pool2d`: the same numbers,
    but on a CPU its gradient costs about half of AvgPoolGrad's (SSIM forward + backward at 64x208,
    batch 4: 6.0 against 11.5 ms), and a training step computes up to 16 SSIM maps.
    """
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    kernel = tf.fill([3, 3, x.shape[-1], 1], tf.constant(1.0 / 9.0, x.dtype))
    return tf.nn.depthwise_conv2d(padded, kernel, strides=[1, 1, 1, 1], padding="VALID")


def ssim_error(target: tf.Tensor, warped: tf.Tensor) -> tf.Tensor:
    """(1 - SSIM) / 2 over 3x3 windows, clipped to [0, 1], averaged over channels.

    Args:
      target, warped: float32 [B, H, W, C] in [-1, 1].

    Returns:
      float32 [B, H, W, 1]; 0 where the images are equal.
    """
    x = (target + 1.0) / 2.0
    y = (warped + 1.0) / 2.0
    mu_x = _local_mean(x)
    mu_y = _local_mean(y)
    sigma_x = _local_mean(x * x) - mu_x * mu_x
    sigma_y = _local_mean(y * y) - mu_y * mu_y
    sigma_xy = _local_mean(x * y) - mu_x * mu_y
    numerator = (2.0 * mu_x * mu_y + SSIM_C1) * (2.0 * sigma_xy + SSIM_C2)
    denominator = (mu_x * mu_x + mu_y * mu_y + SSIM_C1) * (sigma_x + sigma_y + SSIM_C2)
    error = tf.clip_by_value((1.0 - numerator / denominator) / 2.0, 0.0, 1.0)
    return tf.reduce_mean(error, axis=-1, keepdims=True)


def photometric_error(
    target: tf.Tensor, warped: tf.Tensor, use_ssim: bool = False, ssim_alpha: float = 0.85
) -> tf.Tensor:
    """The per-pixel error the loss minimizes.

    `alpha * (1 - SSIM) / 2 + (1 - alpha) * L1` with `use_ssim`, else plain L1 (the paper).

    Args:
      target, warped: float32 [B, H, W, C] in [-1, 1].
      use_ssim: mix in the SSIM term.
      ssim_alpha: weight of the SSIM term in [0, 1].

    Returns:
      float32 [B, H, W, 1].
    """
    l1 = l1_error(target, warped)
    if not use_ssim:
        return l1
    return ssim_alpha * ssim_error(target, warped) + (1.0 - ssim_alpha) * l1
