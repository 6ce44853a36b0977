"""TensorBoard summaries: scalars of the loss terms and speed, images of what the loss saw.

`tf.summary.scalar` / `tf.summary.image` live in the `tensorboard` package, which TensorFlow no
longer installs; the summaries are written with core TF's `tf.summary.write` in the same format
(the TensorBoard scalar and image plugins' metadata), so TensorBoard reads them unchanged.
"""

from typing import Mapping

import tensorflow as tf
from tensorflow.core.framework import summary_pb2

# Stops of matplotlib's 'magma' colormap at 0, 1/8, ..., 1 (dark purple -> orange -> pale yellow),
# interpolated linearly: near disparities (large values) come out bright.
_MAGMA = (
    (0.001, 0.000, 0.014),
    (0.079, 0.054, 0.211),
    (0.232, 0.059, 0.438),
    (0.390, 0.100, 0.502),
    (0.550, 0.161, 0.506),
    (0.716, 0.215, 0.475),
    (0.869, 0.287, 0.410),
    (0.973, 0.462, 0.361),
    (0.996, 0.670, 0.470),
    (0.987, 0.991, 0.750),
)


def colorize(values: tf.Tensor) -> tf.Tensor:
    """Maps each image of `values` to the magma-like colormap after min-max normalization.

    Args:
      values: float [B, H, W, 1] (e.g. disparity).
    Returns:
      float32 [B, H, W, 3] in [0, 1].
    """
    values = tf.cast(values[..., 0], tf.float32)
    low = tf.reduce_min(values, axis=[1, 2], keepdims=True)
    high = tf.reduce_max(values, axis=[1, 2], keepdims=True)
    normalized = (values - low) / tf.maximum(high - low, 1e-8)
    lut = tf.constant(_MAGMA, tf.float32)
    position = normalized * (len(_MAGMA) - 1)
    lower = tf.clip_by_value(tf.floor(position), 0, len(_MAGMA) - 2)
    fraction = (position - lower)[..., None]
    lower = tf.cast(lower, tf.int32)
    return tf.gather(lut, lower) * (1 - fraction) + tf.gather(lut, lower + 1) * fraction


def to_display(image: tf.Tensor) -> tf.Tensor:
    """Network images in [-1, 1] -> [0, 1] for `tf.summary.image`."""
    return tf.clip_by_value((tf.cast(image, tf.float32) + 1.0) / 2.0, 0.0, 1.0)


def _metadata(plugin_name: str) -> summary_pb2.SummaryMetadata:
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = plugin_name
    return metadata


def scalar(name: str, value, step: int) -> None:
    """A TensorBoard scalar (float32 0-d tensor, plugin 'scalars') to the default writer."""
    tf.summary.write(name, tf.cast(value, tf.float32), step=step, metadata=_metadata("scalars"))


def image(name: str, images: tf.Tensor, step: int, max_outputs: int = 2) -> None:
    """A TensorBoard image summary (plugin 'images'): the string tensor
    [width, height, png_0, png_1, ...] of the first `max_outputs` of float [b, H, W, C] in [0, 1]."""
    images = tf.convert_to_tensor(images)[:max_outputs]
    encoded = tf.map_fn(
        lambda one: tf.io.encode_png(tf.image.convert_image_dtype(one, tf.uint8, saturate=True)),
        images, fn_output_signature=tf.string,
    )
    size = tf.strings.as_string(tf.shape(images)[2:0:-1])
    tf.summary.write(name, tf.concat([size, encoded], 0), step=step, metadata=_metadata("images"))


def write_scalars(writer: tf.summary.SummaryWriter, step: int, scalars: Mapping[str, float]) -> None:
    with writer.as_default():
        for name, value in scalars.items():
            scalar(name, value, step)


def write_images(
    writer: tf.summary.SummaryWriter, step: int, images: Mapping[str, tf.Tensor], num_source: int
) -> None:
    """Writes the train step's image outputs (see `train_step.IMAGE_KEYS`).

    Args:
      images: `target` [b,H,W,3] and `warped` [b,H,W,3N] in [-1, 1]; `disparity` [b,H,W,1];
        `valid` [b,H,W,N] in {0, 1}; `mask` [b,H,W,N] in (0, 1) when explainability is on.
      num_source: N.
    """
    with writer.as_default():
        image("target", to_display(images["target"]), step)
        image("disparity", colorize(images["disparity"]), step)
        for source in range(num_source):
            warped = images["warped"][..., 3 * source : 3 * source + 3]
            image(f"warped_source_{source}", to_display(warped), step)
            image(f"valid_{source}", tf.cast(images["valid"][..., source : source + 1], tf.float32), step)
            if "mask" in images:
                image(f"explainability_{source}", tf.cast(images["mask"][..., source : source + 1], tf.float32), step)
