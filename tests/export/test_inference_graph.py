"""The export-only inference graph gives DispNet's numbers (float, 1e-4)."""

import numpy as np
import pytest
import tensorflow as tf

from export import inference_graph
from sfmlearner_tf.disparity import LOGIT_CEILING, LOGIT_FLOOR
from sfmlearner_tf.models import blocks
from sfmlearner_tf.run_dir import restore_models


@pytest.mark.parametrize("padding", blocks.PADDINGS)
def test_phase_convs_equal_transposed_conv(padding):
    layer = blocks.upconv(5, 3, activation="relu", padding=padding)
    x = tf.random.stateless_normal([2, 3, 4, 6], seed=[1, 2])
    layer(x)
    layer.bias.assign(tf.random.stateless_normal([5], seed=[3, 4]))
    expected = layer(x)
    got = inference_graph.upconv_as_depth_to_space(layer, x)
    assert got.shape == expected.shape == (2, 6, 8, 5)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-5)


@pytest.mark.parametrize("padding", blocks.PADDINGS)
def test_phase_kernels_hold_each_tap_once(padding):
    kernel = tf.reshape(tf.range(9 * 2 * 3, dtype=tf.float32), [3, 3, 2, 3])
    kernels = inference_graph.phase_kernels(kernel, padding)
    shapes = {"same": [(2, 2), (2, 1), (1, 2), (1, 1)], "symmetric": [(1, 1), (1, 2), (2, 1), (2, 2)]}
    assert [tuple(k.shape[:2]) for k in kernels] == shapes[padding]
    taps = np.sort(np.concatenate([k.numpy().reshape(-1) for k in kernels]))
    np.testing.assert_array_equal(taps, np.arange(9 * 2 * 3))


def test_rejects_other_kernels():
    with pytest.raises(ValueError, match=r"3x3"):
        inference_graph.phase_kernels(tf.zeros([5, 5, 2, 2]))


@pytest.mark.parametrize("upconv", inference_graph.UPCONV_MODES)
def test_logits_match_dispnet(run_dir, synthetic_frames, upconv):
    _, depth_net, _ = restore_models(run_dir)
    pixels = tf.constant(synthetic_frames[0][:3], tf.float32)
    expected = depth_net(pixels / 127.5 - 1.0)[0].numpy()
    logits = inference_graph.disparity_logits(depth_net, pixels, upconv)
    disparity = (10.0 * tf.sigmoid(logits) + 0.01).numpy()
    assert disparity.shape == expected.shape == (3, 32, 96, 1)
    np.testing.assert_allclose(disparity, expected, rtol=1e-4, atol=1e-6)
    # A trained model, not a flat map: the check above would be vacuous on a constant output.
    assert np.std(np.log(expected)) > 0.1


@pytest.mark.parametrize("bias, bound", [(50.0, LOGIT_CEILING), (-50.0, LOGIT_FLOOR)])
def test_saturated_logits_are_clipped(run_dir, synthetic_frames, bias, bound):
    _, depth_net, _ = restore_models(run_dir)
    depth_net.disp1.bias.assign([bias])
    logits = inference_graph.disparity_logits(depth_net, tf.constant(synthetic_frames[0][:2], tf.float32))
    np.testing.assert_allclose(logits.numpy(), bound, rtol=1e-6)


def test_unknown_upconv_mode(run_dir):
    _, depth_net, _ = restore_models(run_dir)
    with pytest.raises(ValueError, match="upconv"):
        inference_graph.disparity_logits(depth_net, tf.zeros([1, 32, 96, 3]), "nearest")
