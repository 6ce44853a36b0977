"""The networks' image range, [-1, 1], and the one conversion to it (DESIGN.md, 'Conventions').

Every path into a network goes through here: the training pipeline (frames decoded to [0, 1]),
evaluation and inference (uint8 frames), and the exported graphs (uint8 or float pixels in
[0, 255]). Plain TF ops only, so that the exported graphs stay convertible to TFLite.
"""

import tensorflow as tf


def to_network_range(pixels) -> tf.Tensor:
    """uint8 or float [..., C] pixels in [0, 255] -> float32 in [-1, 1]: `x / 127.5 - 1`."""
    return tf.cast(pixels, tf.float32) / 127.5 - 1.0


def unit_to_network_range(images: tf.Tensor) -> tf.Tensor:
    """float [..., C] in [0, 1] (the pipeline's decoded frames) -> [-1, 1]: `2x - 1`, i.e. `255x / 127.5 - 1`."""
    return images * 2.0 - 1.0


def to_uint8(images) -> tf.Tensor:
    """float [..., C] in [-1, 1] -> uint8 [0, 255] (the inverse of `to_network_range`, rounded, clipped)."""
    return tf.cast(tf.round((tf.clip_by_value(images, -1.0, 1.0) + 1.0) * 127.5), tf.uint8)
