"""Options of the networks beyond the paper: the learned-intrinsics head, and the initial depth
and translation scale of metric training."""

import math

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.config import Config, LossConfig, ModelConfig
from sfmlearner_tf.models import PoseExpNet
from sfmlearner_tf.models.pose_exp_net import INITIAL_FOCAL
from sfmlearner_tf.run_dir import build_models
from sfmlearner_tf.training.train_step import forward

H, W = 32, 96


def _inputs(batch=2, seed=0):
    target = tf.random.stateless_uniform([batch, H, W, 3], seed=[seed, 1], minval=-1, maxval=1)
    sources = tf.random.stateless_uniform([batch, H, W, 6], seed=[seed, 2], minval=-1, maxval=1)
    return target, sources


def test_every_snippet_starts_at_the_guess_with_the_principal_point_at_the_centre():
    outputs = PoseExpNet(num_source=2, explainability=False, learn_intrinsics=True)(*_inputs())
    expected = [[INITIAL_FOCAL * W, 0, (W - 1) / 2], [0, INITIAL_FOCAL * W, (H - 1) / 2], [0, 0, 1]]
    np.testing.assert_allclose(outputs["intrinsics"].numpy(), [expected] * 2, rtol=1e-6)
    assert "intrinsics" not in PoseExpNet(num_source=2, explainability=False)(*_inputs())


def test_the_head_maps_its_outputs_as_documented():
    net = PoseExpNet(num_source=2, explainability=False, learn_intrinsics=True)
    net(*_inputs())
    # A zero kernel and bias (a_x, a_y, b_x, b_y): every position answers the bias.
    net.intrinsics.bias.assign([1.0, -0.5, 0.1, -0.05])
    softplus = lambda a: math.log1p(math.exp(a))  # noqa: E731
    focal = INITIAL_FOCAL * W / math.log(2.0)
    expected = [[focal * softplus(1.0), 0, (W - 1) / 2 + 0.1 * W],
                [0, focal * softplus(-0.5), (H - 1) / 2 - 0.05 * H], [0, 0, 1]]
    np.testing.assert_allclose(net(*_inputs())["intrinsics"].numpy()[0], expected, rtol=1e-5)


def test_the_loss_trains_the_head_and_ignores_the_records_intrinsics():
    config = Config(model=ModelConfig(height=H, width=W, learn_intrinsics=True), loss=LossConfig(explain_weight=0.0))
    depth_net, pose_net = build_models(config)
    target, sources = _inputs(seed=3)
    # Records' intrinsics that would be absurd for the loss: with learned intrinsics they are not read.
    batch = {"target": target, "sources": sources, "intrinsics": tf.fill([2, 4, 3, 3], float("nan"))}
    with tf.GradientTape() as tape:
        output, _, _ = forward(depth_net, pose_net, batch, config.loss)
    head = [v for v in pose_net.trainable_variables if "intrinsics" in v.path]
    grads = tape.gradient(output.terms["total"], head)
    assert np.isfinite(float(output.terms["total"]))
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)
    assert max(float(tf.reduce_max(tf.abs(g))) for g in grads) > 0


def test_the_choice_is_saved_and_an_earlier_config_loads_without_it():
    net = PoseExpNet(num_source=2, learn_intrinsics=True)
    assert PoseExpNet.from_config(net.get_config()).learn_intrinsics
    earlier = Config().to_dict()
    del earlier["model"]["learn_intrinsics"]
    assert Config.from_dict(earlier).model.learn_intrinsics is False




def test_metric_training_starts_at_the_given_depth_and_translation_scale():
    from sfmlearner_tf.models import DispNet

    image = tf.random.stateless_uniform([1, H, W, 3], seed=[5, 6], minval=-1, maxval=1)
    net = DispNet(initial_depth=10.0)
    # Zero the kernels: every disparity is then the heads' bias through the sigmoid.
    net(image)
    for layer in net.layers:
        if layer.name.startswith("disp") and hasattr(layer, "kernel"):
            layer.kernel.assign(tf.zeros_like(layer.kernel))
    np.testing.assert_allclose(1.0 / net(image)[0].numpy(), 10.0, rtol=1e-4)
    assert DispNet.from_config(net.get_config()).initial_depth == 10.0
    with pytest.raises(ValueError, match=r"initial depth must be in \(0.0999, 100\), got 500"):
        DispNet(initial_depth=500.0)

    pose_net = PoseExpNet(num_source=2, explainability=False, translation_scale=1.0)
    pose_net(*_inputs())
    pose_net.pred.kernel.assign(tf.zeros_like(pose_net.pred.kernel))
    pose_net.pred.bias.assign(np.ones(12, np.float32))
    np.testing.assert_allclose(pose_net(*_inputs())["pose"].numpy()[0, 0], [1, 1, 1, 0.01, 0.01, 0.01], rtol=1e-6)
    with pytest.raises(ValueError, match="initial_depth applies to depth_net=dispnet"):
        ModelConfig(initial_depth=10.0, depth_net="mobile")
