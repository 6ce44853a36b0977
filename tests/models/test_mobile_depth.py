"""MobileDepthNet: size and cost, DispNet's interface (shapes, logits, encoder stages for training
health), serialization, and `ModelConfig.depth_net` through the config, the flags and the run directory."""

import json
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

from sfmlearner_tf.config import Config, ModelConfig
from sfmlearner_tf.disparity import DISP_SCALING, MIN_DISP, disparity_from_logits
from sfmlearner_tf.flags import config_from_flags, define_config_flags
from sfmlearner_tf.models import DispNet, MobileDepthNet, PoseExpNet
from sfmlearner_tf.models.complexity import conv_flops
from sfmlearner_tf.models.mobile_depth import ENCODER_CHANNELS
from sfmlearner_tf.run_dir import CONFIG_FILE, build_models, read_config, restore_models, write_config
from sfmlearner_tf.training import health

IMAGE = tf.random.stateless_uniform([2, 64, 208, 3], seed=[1, 2], minval=-1, maxval=1)
SMALL = tf.random.stateless_uniform([2, 32, 96, 3], seed=[3, 4], minval=-1, maxval=1)
# DESIGN.md: DispNet's convolutions are about 7.3 GFLOP per 128x416 image (tests/models/test_complexity.py).
DISPNET_FLOPS = 7.3e9


@pytest.fixture(scope="module")
def mobile_net() -> MobileDepthNet:
    keras.utils.set_random_seed(0)
    net = MobileDepthNet()
    net.build((None, 64, 208, 3))
    return net


def _expected_shapes(batch, height, width):
    return [(batch, height // 2**s, width // 2**s, 1) for s in range(4)]


def test_parameters_and_flops_at_the_reference_resolution():
    net = MobileDepthNet()
    net.build((1, 128, 416, 3))
    assert net.count_params() == 1_878_679
    flops = conv_flops(net, tf.TensorSpec([1, 128, 416, 3]))
    # Depthwise convs included (counted as such, tests/models/test_complexity.py).
    assert flops == pytest.approx(0.813e9, rel=0.01)
    assert flops <= 0.35 * DISPNET_FLOPS


def test_output_shapes_and_range(mobile_net):
    disparities = mobile_net(IMAGE)
    assert [tuple(d.shape) for d in disparities] == _expected_shapes(2, 64, 208)
    for disp in disparities:
        assert disp.dtype == tf.float32
        assert np.all(disp.numpy() > MIN_DISP) and np.all(disp.numpy() <= DISP_SCALING + MIN_DISP)


@pytest.mark.parametrize("height, width", [(32, 96), (24, 40), (64, 200)])
def test_other_resolutions(mobile_net, height, width):
    # 96, 40 and 200 are not multiples of 32: the coarse decoder stages are cropped to their skips.
    image = tf.zeros([1, height, width, 3])
    assert [tuple(d.shape) for d in mobile_net(image)] == _expected_shapes(1, height, width)


@pytest.mark.parametrize("shape", [(1, 60, 208, 3), (1, 64, 210, 3), (1, 64, 208, 4), (64, 208, 3)])
def test_bad_shapes_raise_quoting_the_shape(mobile_net, shape):
    with pytest.raises(ValueError, match=re.escape(str(list(shape)))):
        mobile_net(tf.zeros(shape))
    with pytest.raises(ValueError, match=re.escape(str(list(shape)))):
        MobileDepthNet()(tf.zeros(shape))


def test_disparity_logits_are_calls_and_the_upconv_hook_is_never_used(mobile_net):
    def upconv(layer, x):
        raise AssertionError(f"upconv hook called on {layer.name}: the network has no transposed convs")

    logits = mobile_net.disparity_logits(SMALL, upconv=upconv)
    assert [tuple(x.shape) for x in logits] == _expected_shapes(2, 32, 96)
    for x, disp in zip(logits, mobile_net(SMALL)):
        assert x.dtype == tf.float32
        np.testing.assert_allclose(disparity_from_logits(x).numpy(), disp.numpy(), rtol=1e-6)
    assert not [layer.name for layer in mobile_net.layers if isinstance(layer, keras.layers.Conv2DTranspose)]


def test_encoder_stages_feed_training_health(mobile_net):
    stages = mobile_net.encode(IMAGE)
    assert [tuple(s.shape) for s in stages] == [
        (2, 64 // 2**s, -(-208 // 2**s), c) for s, c in enumerate(ENCODER_CHANNELS, start=1)]
    pose_net = PoseExpNet(num_source=2, explainability=False)
    sources = tf.concat([IMAGE, IMAGE[::-1]], axis=-1)
    pose_net(IMAGE, sources)
    fresh = {k: float(v) for k, v in health.health_values(mobile_net, pose_net, IMAGE, sources).items()}
    # Named by layers of this network, which a user can look up (not DispNet's cnv1b..cnv7b).
    depth_stages = [k for k in fresh if k.startswith("depth/") and k != health.SPREAD]
    assert depth_stages == [f"depth/block{i}_project" for i in (1, 3, 6, 13, 17)]
    assert all(isinstance(getattr(mobile_net, name.split("/")[1]), keras.layers.Conv2D) for name in depth_stages)
    # ReLU6 of a linear projection: about half exactly 0 at initialisation, as DispNet's ReLU stages.
    assert all(0.2 < fresh[name] < 0.8 for name in depth_stages), fresh
    assert fresh["depth/spread"] > health.MIN_SPREAD
    assert health.collapse_reason(fresh) is None

    # Block 1 has no residual: with its projection's bias far negative, stage 1 passes nothing on.
    killed_net = MobileDepthNet.from_config(mobile_net.get_config())
    killed_net.build((None, 64, 208, 3))
    killed_net.set_weights(mobile_net.get_weights())
    killed_net.block1_project.bias.assign(tf.fill([16], -1e4))
    killed = {k: float(v) for k, v in health.health_values(killed_net, pose_net, IMAGE, sources).items()}
    assert killed["depth/block1_project"] == 1.0
    assert health.collapse_reason(killed)[0] == "block1_project"


def test_depthwise_kernels_are_scaled_by_their_true_fan_in(mobile_net):
    # Each depthwise filter sees 3 x 3 inputs: He-uniform over fan-in 9, whatever the channel count.
    kernel = mobile_net.block17_depthwise.kernel.numpy()
    assert kernel.shape == (3, 3, 960, 1)
    limit = np.sqrt(6.0 / 9)
    assert np.abs(kernel).max() <= limit * (1 + 1e-6)
    assert kernel.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)


def test_keras_file_checkpoint_and_from_config_round_trips(tmp_path, mobile_net):
    expected = mobile_net(SMALL)
    mobile_net.save(tmp_path / "depth.keras")
    loaded = keras.models.load_model(tmp_path / "depth.keras")
    assert isinstance(loaded, MobileDepthNet)
    for x, y in zip(loaded(SMALL), expected):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    clone = MobileDepthNet.from_config(MobileDepthNet(name="depther").get_config())
    assert clone.name == "depther"
    prefix = tf.train.Checkpoint(depth_net=mobile_net).write(str(tmp_path / "ckpt"))
    restored = MobileDepthNet()
    restored.build((None, 32, 96, 3))
    tf.train.Checkpoint(depth_net=restored).read(prefix).assert_consumed()
    for x, y in zip(restored(SMALL), expected):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_mixed_precision_matches_float32(mobile_net):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        mixed = MobileDepthNet()
        mixed.build((None, 32, 96, 3))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert mixed.stem.compute_dtype == "float16"
    mixed.set_weights(mobile_net.get_weights())
    for ours, reference in zip(mixed(SMALL), mobile_net(SMALL)):
        assert ours.dtype == tf.float32
        # float16 keeps 11 significant bits and Eigen's thread split changes its summation order:
        # one pixel in 6144 once came out 1.5 % off (4.328 against 4.264) on a loaded 2-core CPU.
        np.testing.assert_allclose(ours.numpy(), reference.numpy(), atol=0.02, rtol=0.02)


def test_config_field_is_validated_and_is_a_flag():
    assert ModelConfig().depth_net == "dispnet"
    with pytest.raises(ValueError, match="depth_net must be one of .*'mobilenet'"):
        ModelConfig(depth_net="mobilenet")
    values = flags.FlagValues()
    define_config_flags(values)
    values(["program", "--depth_net=mobile"])
    assert config_from_flags(values).model.depth_net == "mobile"
    with pytest.raises(flags.IllegalFlagValueError):
        values(["program", "--depth_net=mobilenet"])


def test_run_directory_rebuilds_the_configured_network(tmp_path):
    config = Config(model=ModelConfig(height=32, width=96, depth_net="mobile"))
    run = tmp_path / "run"
    write_config(str(run), config)
    assert read_config(str(run)) == config
    depth_net, pose_net = build_models(read_config(str(run)))
    assert isinstance(depth_net, MobileDepthNet)
    expected = depth_net(SMALL)
    tf.train.CheckpointManager(tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net), str(run), 1).save()
    restored_config, restored, _ = restore_models(str(run))
    assert restored_config.model.depth_net == "mobile" and isinstance(restored, MobileDepthNet)
    for x, y in zip(restored(SMALL), expected):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_a_run_from_before_the_field_loads_as_dispnet(tmp_path):
    values = Config(model=ModelConfig(height=32, width=96)).to_dict()
    del values["model"]["depth_net"]
    (tmp_path / CONFIG_FILE).write_text(json.dumps(values))
    config = read_config(str(tmp_path))
    assert config.model.depth_net == "dispnet"
    assert isinstance(build_models(config)[0], DispNet)
