"""The explainability regularizer: cross-entropy of the mask against "everything explainable"."""

import tensorflow as tf

# Probabilities are floored here before the log; float32 softmax/sigmoid outputs can be exactly 0.
MIN_PROBABILITY = 1e-6


def explainability_loss(mask: tf.Tensor) -> tf.Tensor:
    """Sum over sources of mean(-log p): CE(mask, 1), 0 when every pixel is fully explainable.

    This equals the paper's softmax cross-entropy with the reference label (0, 1), computed from
    the probability of the "explainable" class that `PoseExpNet` outputs.

    Args:
      mask: float32 [B, H, W, N], probability that a target pixel is explainable from source n.

    Returns:
      float32 scalar.
    """
    per_pixel = -tf.math.log(tf.maximum(mask, MIN_PROBABILITY))
    return tf.reduce_sum(tf.reduce_mean(per_pixel, axis=[0, 1, 2]))
