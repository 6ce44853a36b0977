"""Ground-truth depth decodes from its float16 bytes exactly, without a float16 tensor."""

import numpy as np
import tensorflow as tf

from sfmlearner_tf.data.features import decode_gt_depth, half_bits_to_float32


def test_every_float16_bit_pattern_decodes_to_numpys_value():
    bits = np.arange(2 ** 16, dtype=np.uint16)
    expected = bits.view(np.float16).astype(np.float32)
    decoded = half_bits_to_float32(tf.constant(bits)).numpy()
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(decoded[finite].view(np.uint32), expected[finite].view(np.uint32))  # -0.0 too
    assert np.array_equal(np.isnan(decoded), np.isnan(expected))
    assert np.array_equal(decoded[np.isinf(expected)], expected[np.isinf(expected)])


def test_depth_bytes_decode_to_their_shape():
    depth = np.array([[0.0, 1.5, 80.0], [6.1e-5, 3e-6, 655.0]], np.float16)
    decoded = decode_gt_depth(tf.constant(depth.astype("<f2").tobytes()), tf.constant([2, 3], tf.int64)).numpy()
    assert decoded.shape == (2, 3, 1)
    np.testing.assert_array_equal(decoded[..., 0], depth.astype(np.float32))
