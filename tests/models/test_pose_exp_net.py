"""PoseExpNet: pose and mask shapes, known answers of the heads, the reference layer table."""

import re

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.models import PoseExpNet


def _inputs(num_source, height=32, width=96, batch=2):
    target = tf.random.stateless_uniform([batch, height, width, 3], seed=[7, 8], minval=-1, maxval=1)
    sources = tf.random.stateless_uniform(
        [batch, height, width, 3 * num_source], seed=[9, 10], minval=-1, maxval=1
    )
    return target, sources


@pytest.mark.parametrize("num_source", [2, 4])
@pytest.mark.parametrize("height, width", [(32, 96), (64, 208)])
def test_pose_and_mask_shapes(num_source, height, width):
    outputs = PoseExpNet(num_source=num_source)(*_inputs(num_source, height, width))
    assert sorted(outputs) == ["masks", "pose"]
    assert tuple(outputs["pose"].shape) == (2, num_source, 6)
    # Finest first, the same sizes as DispNet's disparities.
    assert [tuple(m.shape) for m in outputs["masks"]] == [
        (2, height // 2**s, width // 2**s, num_source) for s in range(4)
    ]
    for mask in outputs["masks"]:
        assert mask.dtype == tf.float32
        assert np.all(mask.numpy() > 0) and np.all(mask.numpy() < 1)


@pytest.mark.parametrize("mask_channels", [1, 2])
def test_without_explainability_there_is_no_mask_and_no_decoder(mask_channels):
    net = PoseExpNet(num_source=2, explainability=False, mask_channels=mask_channels)
    outputs = net(*_inputs(2))
    assert list(outputs) == ["pose"]
    assert tuple(outputs["pose"].shape) == (2, 2, 6)
    assert not [layer.name for layer in net.layers if layer.name.startswith(("upcnv", "mask"))]


def test_pose_head_known_answer():
    # Zero `pred` kernel: every position predicts the bias v, so pose = 0.01 * v as [N, 6].
    net = PoseExpNet(num_source=2, explainability=False)
    target, sources = _inputs(2)
    net(target, sources)
    pred = next(layer for layer in net.layers if layer.name == "pred")
    bias = np.arange(12, dtype=np.float32)
    pred.kernel.assign(tf.zeros_like(pred.kernel))
    pred.bias.assign(bias)
    expected = np.tile(0.01 * bias.reshape(1, 2, 6), [2, 1, 1])
    np.testing.assert_allclose(net(target, sources)["pose"].numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("mask_channels, bias, expected", [
    # Two-class softmax per source over channels (2n, 2n + 1), class 1 = explainable:
    # softmax([0, ln 3])[1] = 3 / 4, softmax([ln 3, 0])[1] = 1 / 4.
    (2, [0.0, np.log(3.0), np.log(3.0), 0.0], [0.75, 0.25]),
    (1, [0.0, np.log(3.0)], [0.5, 0.75]),
])
def test_mask_head_known_answer(mask_channels, bias, expected):
    net = PoseExpNet(num_source=2, mask_channels=mask_channels)
    target, sources = _inputs(2)
    net(target, sources)
    for layer in net.layers:
        if layer.name.startswith("mask"):
            layer.kernel.assign(tf.zeros_like(layer.kernel))
            layer.bias.assign(bias)
    for mask in net(target, sources)["masks"]:
        np.testing.assert_allclose(mask.numpy(), np.broadcast_to(expected, mask.shape), rtol=1e-6)


def test_layer_table_matches_reference():
    net = PoseExpNet(num_source=2)
    net(*_inputs(2))
    kernels = {layer.name: tuple(layer.kernel.shape) for layer in net.layers if hasattr(layer, "kernel")}
    assert kernels["cnv1"] == (7, 7, 9, 16)
    assert [kernels[f"cnv{i}"][:2] for i in range(1, 8)] == [(7, 7), (5, 5)] + [(3, 3)] * 5
    assert [kernels[f"cnv{i}"][3] for i in range(1, 8)] == [16, 32, 64, 128, 256, 256, 256]
    assert kernels["pred"] == (1, 1, 256, 12)
    # Conv2DTranspose kernels are [k, k, out, in].
    assert [kernels[f"upcnv{i}"] for i in (5, 4, 3, 2, 1)] == [
        (3, 3, 256, 256), (3, 3, 128, 256), (3, 3, 64, 128), (5, 5, 32, 64), (7, 7, 16, 32)
    ]
    assert [kernels[f"mask{i}"] for i in (4, 3, 2, 1)] == [
        (3, 3, 128, 4), (3, 3, 64, 4), (5, 5, 32, 4), (7, 7, 16, 4)
    ]
    for layer in net.layers:
        if hasattr(layer, "kernel"):
            assert layer.kernel_regularizer is None and not np.any(layer.bias.numpy()), layer.name


@pytest.mark.parametrize("target_shape, sources_shape, quoted", [
    ((1, 30, 96, 3), (1, 30, 96, 6), "[1, 30, 96, 3]"),
    ((1, 32, 96, 3), (1, 32, 96, 9), "[1, 32, 96, 9]"),
    ((1, 32, 96, 3), (1, 64, 96, 6), "[1, 64, 96, 6]"),
])
def test_bad_shapes_raise_quoting_the_shape(target_shape, sources_shape, quoted):
    with pytest.raises(ValueError, match=re.escape(quoted)):
        PoseExpNet(num_source=2)(tf.zeros(target_shape), tf.zeros(sources_shape))


@pytest.mark.parametrize("kwargs", [{"num_source": 0}, {"mask_channels": 3}])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError, match=re.escape(str(next(iter(kwargs.values()))))):
        PoseExpNet(**kwargs)
