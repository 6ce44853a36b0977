"""DispNet: the reference architecture, output shapes and ranges, shape validation, initialization."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.disparity import DISP_SCALING, MIN_DISP, disparity_from_logits
from sfmlearner_tf.models import DispNet


def _expected_shapes(batch, height, width):
    return [(batch, height // 2**s, width // 2**s, 1) for s in range(4)]


def test_parameter_count_is_the_papers(disp_net):
    # 31,596,900 with the reference layer table (nets.py); the paper's "about 31.6 M".
    assert disp_net.count_params() == 31_596_900
    assert abs(disp_net.count_params() - 31.6e6) / 31.6e6 < 0.01


def test_reference_resolution_shapes_and_range(disp_net, image_128x416):
    disparities = disp_net(image_128x416)
    assert [tuple(d.shape) for d in disparities] == _expected_shapes(2, 128, 416)
    for disp in disparities:
        assert disp.dtype == tf.float32
        assert np.all(disp.numpy() > MIN_DISP) and np.all(disp.numpy() <= DISP_SCALING + MIN_DISP)


@pytest.mark.parametrize("batch, height, width", [(2, 64, 208), (1, 256, 832), (1, 24, 40)])
def test_other_resolutions(disp_net, batch, height, width):
    # 416 and 40 wide are not multiples of 2^7: decoder stages are cropped to their skips.
    image = tf.zeros([batch, height, width, 3])
    assert [tuple(d.shape) for d in disp_net(image)] == _expected_shapes(batch, height, width)


@pytest.mark.parametrize("shape", [(1, 60, 208, 3), (1, 64, 210, 3), (1, 64, 208, 4), (64, 208, 3)])
def test_bad_shapes_raise_quoting_the_shape(disp_net, shape):
    with pytest.raises(ValueError, match=re.escape(str(list(shape)))):
        disp_net(tf.zeros(shape))
    with pytest.raises(ValueError, match=re.escape(str(list(shape)))):
        DispNet()(tf.zeros(shape))


def test_unknown_height_and_width_raise_at_trace_time(disp_net):
    traced = tf.function(disp_net)
    with pytest.raises(ValueError, match=re.escape("[None, None, None, 3]")):
        traced.get_concrete_function(tf.TensorSpec([None, None, None, 3]))
    # An unknown batch size is fine.
    outputs = traced.get_concrete_function(tf.TensorSpec([None, 32, 96, 3])).structured_outputs
    assert [tuple(d.shape) for d in outputs] == _expected_shapes(None, 32, 96)


def test_layer_table_matches_reference(disp_net):
    kernels = {layer.name: tuple(layer.kernel.shape) for layer in disp_net.layers if hasattr(layer, "kernel")}
    assert kernels["cnv1"] == (7, 7, 3, 32)
    assert kernels["cnv1b"] == (7, 7, 32, 32)
    assert kernels["cnv2b"] == (5, 5, 64, 64)
    assert kernels["cnv7b"] == (3, 3, 512, 512)
    # Conv2DTranspose kernels are [k, k, out, in].
    assert kernels["upcnv7"] == (3, 3, 512, 512)
    assert kernels["upcnv1"] == (3, 3, 16, 32)
    # icnv: upconv output + skip (+ upsampled coarser disparity from stage 3 on).
    assert kernels["icnv7"] == (3, 3, 512 + 512, 512)
    assert kernels["icnv4"] == (3, 3, 128 + 128, 128)
    assert kernels["icnv3"] == (3, 3, 64 + 64 + 1, 64)
    assert kernels["icnv1"] == (3, 3, 16 + 1, 16)
    assert [kernels[f"disp{i}"] for i in (4, 3, 2, 1)] == [(3, 3, c, 1) for c in (128, 64, 32, 16)]


def test_glorot_uniform_zero_bias_no_regularizer(disp_net):
    for layer in disp_net.layers:
        if not hasattr(layer, "kernel"):
            continue
        assert layer.kernel_regularizer is None and layer.bias_regularizer is None, layer.name
        assert not np.any(layer.bias.numpy()), layer.name
        kernel = layer.kernel.numpy()
        receptive = kernel.shape[0] * kernel.shape[1]
        limit = np.sqrt(6.0 / (receptive * (kernel.shape[2] + kernel.shape[3])))
        assert np.abs(kernel).max() <= limit * (1 + 1e-6), layer.name  # float32 rounding of the bound
        if kernel.size > 10_000:
            # Uniform(-l, l) has standard deviation l / sqrt(3).
            assert kernel.std() == pytest.approx(limit / np.sqrt(3), rel=0.05), layer.name
    assert disp_net.losses == []


def test_disparity_head_formula():
    # With a zero kernel the head's logit is its bias b: disp = 10 * sigmoid(b) + 0.01.
    net = DispNet()
    net.build((1, 32, 96, 3))
    heads = {layer.name: layer for layer in net.layers if layer.name.startswith("disp") and layer.weights}
    biases = {"disp1": 0.0, "disp2": 2.0, "disp3": -50.0, "disp4": 50.0}
    for name, bias in biases.items():
        heads[name].kernel.assign(tf.zeros_like(heads[name].kernel))
        heads[name].bias.assign([bias])
    disparities = net(tf.random.stateless_uniform([1, 32, 96, 3], seed=[3, 4], minval=-1, maxval=1))
    for disp, name in zip(disparities, ("disp1", "disp2", "disp3", "disp4")):
        expected = DISP_SCALING / (1 + np.exp(-biases[name])) + MIN_DISP
        np.testing.assert_allclose(disp.numpy(), expected, rtol=1e-6)


def test_disparity_logits_walk_is_calls_with_an_upconv_hook(disp_net):
    image = tf.random.stateless_uniform([2, 32, 96, 3], seed=[7, 8], minval=-1, maxval=1)
    seen = []

    def upconv(layer, x):
        seen.append(layer.name)
        return layer(x)

    logits = disp_net.disparity_logits(image, upconv=upconv)
    assert seen == [f"upcnv{stage}" for stage in range(7, 0, -1)]
    assert [tuple(x.shape) for x in logits] == _expected_shapes(2, 32, 96)
    for x, disp in zip(logits, disp_net(image)):
        assert x.dtype == tf.float32
        np.testing.assert_allclose(disparity_from_logits(x).numpy(), disp.numpy(), rtol=1e-6)


# bfloat16 keeps 8 significant bits to float16's 11, hence its wider tolerance.
@pytest.mark.parametrize("dtype, atol, rtol", [("float16", 0.02, 0.01), ("bfloat16", 0.1, 0.05)])
def test_mixed_precision_matches_float32(disp_net, dtype, atol, rtol):
    image = tf.random.stateless_uniform([1, 32, 96, 3], seed=[5, 6], minval=-1, maxval=1)
    keras.mixed_precision.set_global_policy(f"mixed_{dtype}")
    try:
        mixed = DispNet()
        mixed.build((None, 32, 96, 3))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert mixed.layers[0].compute_dtype == dtype
    mixed.set_weights(disp_net.get_weights())
    for ours, reference in zip(mixed(image), disp_net(image)):
        assert ours.dtype == tf.float32
        np.testing.assert_allclose(ours.numpy(), reference.numpy(), atol=atol, rtol=rtol)
