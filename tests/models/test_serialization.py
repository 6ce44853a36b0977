"""Round trips: get_config/from_config, `.keras` files, SavedModel of a tf.function, mixed precision."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.models import DispNet, PoseExpNet

IMAGE = tf.random.stateless_uniform([2, 32, 96, 3], seed=[11, 12], minval=-1, maxval=1)
SOURCES = tf.random.stateless_uniform([2, 32, 96, 6], seed=[13, 14], minval=-1, maxval=1)


def _assert_same(a, b):
    for x, y in zip(tf.nest.flatten(a), tf.nest.flatten(b)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_dispnet_keras_file_round_trip(tmp_path, disp_net):
    expected = disp_net(IMAGE)
    disp_net.save(tmp_path / "depth.keras")
    loaded = keras.models.load_model(tmp_path / "depth.keras")
    assert isinstance(loaded, DispNet)
    _assert_same(loaded(IMAGE), expected)


@pytest.mark.parametrize("explainability, mask_channels", [(True, 2), (True, 1), (False, 2)])
def test_pose_exp_net_keras_file_round_trip(tmp_path, explainability, mask_channels):
    net = PoseExpNet(num_source=2, explainability=explainability, mask_channels=mask_channels)
    expected = net(IMAGE, SOURCES)
    net.save(tmp_path / "pose.keras")
    loaded = keras.models.load_model(tmp_path / "pose.keras")
    assert isinstance(loaded, PoseExpNet)
    assert loaded.num_source == 2
    assert (loaded.explainability, loaded.mask_channels) == (explainability, mask_channels)
    outputs = loaded(IMAGE, SOURCES)
    assert sorted(outputs) == sorted(expected)
    _assert_same(outputs, expected)


def test_tf_train_checkpoint_round_trip(tmp_path, disp_net):
    # The training checkpoints (keys `depth_net`, `pose_net`) must hold every weight, by layer name.
    depth_net, pose_net = disp_net, PoseExpNet(num_source=2)
    expected = depth_net(IMAGE), pose_net(IMAGE, SOURCES)
    prefix = tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net).write(str(tmp_path / "ckpt"))
    names = [name for name, _ in tf.train.list_variables(prefix)]
    assert "depth_net/cnv1b/_kernel/.ATTRIBUTES/VARIABLE_VALUE" in names
    assert "pose_net/mask1/bias/.ATTRIBUTES/VARIABLE_VALUE" in names
    assert len(names) == 1 + len(depth_net.weights) + len(pose_net.weights)
    restored_depth, restored_pose = DispNet(), PoseExpNet(num_source=2)
    restored_depth(IMAGE), restored_pose(IMAGE, SOURCES)
    tf.train.Checkpoint(depth_net=restored_depth, pose_net=restored_pose).read(prefix).assert_consumed()
    _assert_same(restored_depth(IMAGE), expected[0])
    _assert_same(restored_pose(IMAGE, SOURCES), expected[1])


def test_from_config_rebuilds_the_same_architecture():
    net = PoseExpNet(num_source=4, explainability=False, mask_channels=1, name="poser")
    clone = PoseExpNet.from_config(net.get_config())
    assert clone.get_config() == net.get_config()
    # Non-default name and activation, so that a from_config that drops them fails.
    depth = DispNet(activation="elu", name="depther")
    depth_clone = DispNet.from_config(depth.get_config())
    assert (depth_clone.name, depth_clone.activation) == ("depther", "elu")
    assert depth_clone.get_config() == depth.get_config()
    assert depth_clone.cnv1.get_config()["activation"] == "elu"  # reaches the layers, too


def test_mixed_precision_policy_survives_saving(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        net = PoseExpNet(num_source=2)
        expected = net(IMAGE, SOURCES)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert expected["pose"].dtype == tf.float32 and all(m.dtype == tf.float32 for m in expected["masks"])
    net.save(tmp_path / "pose.keras")
    loaded = keras.models.load_model(tmp_path / "pose.keras")
    assert all(layer.compute_dtype == "float16" for layer in loaded.layers)
    _assert_same(loaded(IMAGE, SOURCES), expected)


def test_saved_model_of_a_tf_function(tmp_path):
    # PoseExpNet (two inputs, dict output) keeps this quick; DispNet goes the same way (export/).
    net = PoseExpNet(num_source=2)
    expected = net(IMAGE, SOURCES)
    module = tf.Module()
    module.net = net
    module.predict = tf.function(net, input_signature=[
        tf.TensorSpec([None, 32, 96, 3], tf.float32), tf.TensorSpec([None, 32, 96, 6], tf.float32)
    ])
    tf.saved_model.save(module, str(tmp_path / "saved"))
    restored = tf.saved_model.load(str(tmp_path / "saved"))
    outputs = restored.predict(IMAGE, SOURCES)
    assert sorted(outputs) == ["masks", "pose"]
    for x, y in zip(tf.nest.flatten(outputs), tf.nest.flatten(expected)):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-5, atol=1e-6)
