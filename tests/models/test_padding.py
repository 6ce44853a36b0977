"""The two paddings of the networks' convolutions: symmetric is PyTorch's, same is TensorFlow's.

The references are written out in numpy from the definitions (PyTorch's `Conv2d(padding=p)` and
`ConvTranspose2d(padding=p, output_padding=1)`), so that a shift of one pixel fails.
"""

import json

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.config import Config
from sfmlearner_tf.models import DispNet, PoseExpNet, blocks


def _conv_reference(x, kernel, bias, stride, before, after):
    """Cross-correlation of x [H, W, Cin] padded (before, after) on both axes: [H', W', Cout]."""
    k = kernel.shape[0]
    padded = np.pad(x, [(before, after), (before, after), (0, 0)])
    rows = (padded.shape[0] - k) // stride + 1
    cols = (padded.shape[1] - k) // stride + 1
    out = np.zeros([rows, cols, kernel.shape[-1]])
    for i in range(rows):
        for j in range(cols):
            window = padded[i * stride : i * stride + k, j * stride : j * stride + k]
            out[i, j] = np.tensordot(window, kernel, axes=3) + bias
    return out


def _transposed_reference(x, kernel, bias, crop):
    """Stride-2 transposed conv of x [h, w, Cin], kernel [k, k, Cout, Cin]; rows [crop, crop + 2h) kept."""
    k = kernel.shape[0]
    h, w = x.shape[:2]
    full = np.zeros([2 * h - 2 + k, 2 * w - 2 + k, kernel.shape[2]])
    for i in range(h):
        for j in range(w):
            full[2 * i : 2 * i + k, 2 * j : 2 * j + k] += np.einsum("abod,d->abo", kernel, x[i, j])
    return full[crop : crop + 2 * h, crop : crop + 2 * w] + bias


@pytest.mark.parametrize("size", [8, 13])
@pytest.mark.parametrize("kernel_size", [3, 7])
def test_symmetric_stride2_conv_pads_as_pytorch(size, kernel_size):
    layer = blocks.conv(4, kernel_size, strides=2, activation=None, padding="symmetric")
    x = tf.random.stateless_normal([1, size, size + 2, 3], seed=[0, kernel_size])
    got = layer(x).numpy()[0]
    pad = (kernel_size - 1) // 2
    expected = _conv_reference(x.numpy()[0], layer.kernel.numpy(), layer.bias.numpy(), 2, pad, pad)
    assert got.shape == expected.shape == (-(-size // 2), -(-(size + 2) // 2), 4)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # TensorFlow's 'same' of an even side is the other alignment: one pixel later.
    same = blocks.conv(4, kernel_size, strides=2, activation=None, padding="same")
    same(x)
    same.set_weights(layer.get_weights())
    if size % 2 == 0:
        assert not np.allclose(same(x).numpy()[0], got, atol=1e-3)


@pytest.mark.parametrize("kernel_size", [3, 5])
def test_symmetric_transposed_conv_is_pytorchs_and_same_is_tensorflows(kernel_size):
    x = tf.random.stateless_normal([1, 3, 4, 2], seed=[1, kernel_size])
    pad = (kernel_size - 1) // 2
    for padding, crop in (("symmetric", pad), ("same", (kernel_size - 2) // 2)):
        layer = blocks.upconv(3, kernel_size, activation=None, padding=padding)
        layer(x)
        layer.bias.assign([0.1, -0.2, 0.3])
        got = layer(x).numpy()[0]
        expected = _transposed_reference(x.numpy()[0], layer.kernel.numpy(), layer.bias.numpy(), crop)
        assert got.shape == expected.shape == (6, 8, 3), padding
        np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=padding)


def test_networks_take_the_padding_and_keep_it_in_their_config():
    for net in (DispNet(padding="same"), PoseExpNet(padding="same")):
        assert net.get_config()["padding"] == "same"
        assert type(net).from_config(net.get_config()).padding == "same"
    with pytest.raises(ValueError, match="padding must be one of"):
        DispNet(padding="reflect")


def test_a_saved_run_without_the_field_loads_with_the_padding_it_was_trained_with():
    saved = Config().to_dict()
    del saved["model"]["padding"]
    assert Config.from_json(json.dumps(saved)).model.padding == "same"
    assert Config.from_json(Config().to_json()).model.padding == "symmetric"
