"""FLOP counts: known answers for single layers, and the paper's figures for the networks."""

import keras
import pytest
import tensorflow as tf

from sfmlearner_tf.models import PoseExpNet
from sfmlearner_tf.models.complexity import conv_flops


def test_single_layer_known_answers():
    conv = keras.layers.Conv2D(4, 3, strides=2, padding="same")
    # Output 4x4x4, each output a 3x3x2 dot product: 2 * 16 * 4 * 18.
    assert conv_flops(conv, tf.TensorSpec([1, 8, 8, 2])) == 2 * 16 * 4 * 18
    transposed = keras.layers.Conv2DTranspose(5, 3, strides=2, padding="same")
    # Every one of the 4x4x2 input values scatters onto a 3x3x5 patch.
    assert conv_flops(transposed, tf.TensorSpec([2, 4, 4, 2])) == 2 * 2 * 16 * 2 * 9 * 5
    depthwise = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    # Output 8x8x6, each output a 3x3 dot product over one input channel.
    assert conv_flops(depthwise, tf.TensorSpec([1, 8, 8, 3])) == 2 * 64 * 6 * 9
    separable = keras.layers.SeparableConv2D(4, 3, strides=2, padding="same")
    # The depthwise half (4x4x3 outputs of 9 taps), then a 1x1 conv from 3 to 4 channels.
    assert conv_flops(separable, tf.TensorSpec([1, 8, 8, 3])) == 2 * 16 * 3 * 9 + 2 * 16 * 4 * 3


def _built_pose_net(**kwargs):
    # Built eagerly: creating 2.6 M variables inside the traced function is several times slower.
    net = PoseExpNet(num_source=2, **kwargs)
    net.build((1, 128, 416, 3), (1, 128, 416, 6))
    return net


def test_network_flops_at_the_reference_resolution(disp_net):
    image, sources = tf.TensorSpec([1, 128, 416, 3]), tf.TensorSpec([1, 128, 416, 6])
    # DESIGN.md: about 7.3 GFLOP per 128x416 image.
    assert conv_flops(disp_net, image) == pytest.approx(7.3e9, rel=0.01)
    # The pose branch alone is ~0.39 GFLOP; the explainability decoder's full-size 7x7 layers make
    # the whole PoseExpNet ~2.14 GFLOP per 3-frame snippet.
    pose_only = conv_flops(_built_pose_net(explainability=False), image, sources)
    with_masks = conv_flops(_built_pose_net(), image, sources)
    assert pose_only == pytest.approx(0.386e9, rel=0.01)
    assert with_masks == pytest.approx(2.144e9, rel=0.01)


def test_unknown_shapes_raise(disp_net):
    with pytest.raises(ValueError, match="None"):
        conv_flops(disp_net, tf.TensorSpec([None, 128, 416, 3]))
