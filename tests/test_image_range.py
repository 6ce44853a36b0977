"""The networks' image range: [0, 255] pixels and [0, 1] frames map to [-1, 1] the same way."""

import numpy as np
import tensorflow as tf

from sfmlearner_tf.image_range import to_network_range, to_uint8, unit_to_network_range


def test_pixels_map_to_minus_one_one_and_back_exactly():
    pixels = np.arange(256, dtype=np.uint8)
    network = to_network_range(pixels)
    assert network.dtype == tf.float32
    np.testing.assert_allclose(network.numpy()[[0, 255]], [-1.0, 1.0])
    np.testing.assert_array_equal(to_uint8(network).numpy(), pixels)
    np.testing.assert_allclose(to_network_range(pixels.astype(np.float32)), network)


def test_unit_frames_give_the_same_values_as_their_pixels():
    pixels = np.array([0, 60, 128, 255], np.float32)
    np.testing.assert_allclose(unit_to_network_range(tf.constant(pixels / 255.0)), to_network_range(pixels), atol=1e-6)
