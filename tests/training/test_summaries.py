"""Colormap of the disparity images."""

import numpy as np
import tensorflow as tf

from sfmlearner_tf.training.summaries import _MAGMA, colorize, image, to_display, write_scalars
from tests.training.events import read_events


def test_colorize_maps_min_and_max_to_the_end_stops():
    values = tf.reshape(tf.range(12, dtype=tf.float32), [1, 3, 4, 1])
    colors = colorize(values).numpy()
    assert colors.shape == (1, 3, 4, 3)
    np.testing.assert_allclose(colors[0, 0, 0], _MAGMA[0], atol=1e-6)
    np.testing.assert_allclose(colors[0, -1, -1], _MAGMA[-1], atol=1e-6)


def test_colorize_interpolates_between_stops():
    # 0, 0.5/9 ... : a value halfway between the first two stops gets their mean colour.
    values = tf.constant([0.0, 0.5, 9.0])[None, None, :, None]
    colors = colorize(values).numpy()[0, 0]
    np.testing.assert_allclose(colors[1], (np.array(_MAGMA[0]) + _MAGMA[1]) / 2, atol=1e-6)


def test_colorize_of_a_constant_image_is_the_first_stop():
    # Each image is normalized on its own, so constants of any value (and sign) all map to 0,
    # not to 0 / 0: the colormap's first stop, matplotlib's magma(0) = (0.0015, 0.0005, 0.0139).
    values = tf.constant([1.0, -3.5, 1e6])[:, None, None, None] * tf.ones([3, 4, 4, 1])
    colors = colorize(values).numpy()
    assert np.isfinite(colors).all()
    np.testing.assert_allclose(colors, np.broadcast_to(_MAGMA[0], colors.shape), atol=1e-6)
    np.testing.assert_allclose(colors[0, 0, 0], [0.001462, 0.000466, 0.013866], atol=1e-3)


def test_to_display_maps_network_range_to_unit_range():
    np.testing.assert_allclose(to_display(tf.constant([-1.0, 0.0, 1.0, 3.0])).numpy(), [0, 0.5, 1, 1])


def test_scalars_and_images_are_readable_event_records(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    write_scalars(writer, 7, {"loss/total": 0.25})
    with writer.as_default():
        image("picture", tf.fill([3, 4, 5, 3], 0.5), step=7)
    writer.flush()
    scalars, images = read_events(tmp_path)
    assert scalars["loss/total"] == [(7, 0.25)]
    step, (width, height, pngs) = images["picture"][0]
    assert step == 7 and (width, height) == (5, 4) and len(pngs) == 2
    decoded = tf.io.decode_png(pngs[0]).numpy()
    assert decoded.shape == (4, 5, 3) and abs(int(decoded[0, 0, 0]) - 128) <= 1
