"""Shared, module-built networks: building DispNet (31.6 M parameters) is the slow part of these tests."""

import keras
import pytest
import tensorflow as tf

from sfmlearner_tf.models import DispNet


@pytest.fixture(scope="session")
def disp_net() -> DispNet:
    """A float32 DispNet with fixed-seed weights, built at 128x416."""
    keras.utils.set_random_seed(0)
    net = DispNet()
    net.build((None, 128, 416, 3))
    return net


@pytest.fixture(scope="session")
def image_128x416() -> tf.Tensor:
    return tf.random.stateless_uniform([2, 128, 416, 3], seed=[1, 2], minval=-1.0, maxval=1.0)
