"""ProjectiveWarp: a weightless layer that serializes, equals `inverse_warp`, and stays float32."""

import keras
import numpy as np
import tensorflow as tf

from sfmlearner_tf.geometry import inverse_warp
from sfmlearner_tf.models import ProjectiveWarp

INTRINSICS = np.array([[[10.0, 0.0, 5.5], [0.0, 10.0, 3.5], [0.0, 0.0, 1.0]]], np.float32)


def _image(dtype=np.float32):
    """[1, 8, 12, 3] in [-1, 1]."""
    return np.random.default_rng(0).uniform(-1, 1, (1, 8, 12, 3)).astype(dtype)


def test_projective_warp_layer_serializes_and_matches_function():
    layer = ProjectiveWarp()
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, ProjectiveWarp) and not restored.weights
    image = _image()
    depth = tf.fill([1, 8, 12, 1], 2.0)
    pose = tf.constant([[0.1, 0.05, 0.2, 0.01, 0.0, -0.02]])
    expected = inverse_warp(image, depth, pose, INTRINSICS)
    for got, want in zip(restored(image, depth, pose, INTRINSICS), expected):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_projective_warp_layer_computes_in_float32_under_mixed_precision():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        layer = ProjectiveWarp()
        image = tf.constant(_image(), tf.float16)
        warped, valid = layer(image, tf.fill([1, 8, 12], 2.0), tf.zeros([1, 6]), INTRINSICS)
    finally:
        keras.config.set_dtype_policy(previous)
    assert warped.dtype == tf.float32 and valid.dtype == tf.float32
    np.testing.assert_allclose(warped, tf.cast(image, tf.float32), atol=1e-6)
