"""Training health: the signals on known networks, the collapse rule, and a real run that collapses."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.models import DispNet, PoseExpNet
from sfmlearner_tf.run_dir import collapse_warning, read_health
from sfmlearner_tf.training import health
from tests.training.tiny_runs import HEIGHT, WIDTH, run_python, tiny_flags

IMAGES = tf.random.stateless_uniform([4, HEIGHT, WIDTH, 3], seed=[3, 4], minval=-1, maxval=1)
SOURCES = tf.random.stateless_uniform([4, HEIGHT, WIDTH, 6], seed=[5, 6], minval=-1, maxval=1)


def _networks(activation="relu"):
    """The paper's ReLU networks: the ones that can die."""
    keras.utils.set_random_seed(0)
    depth_net = DispNet(activation=activation)
    pose_net = PoseExpNet(num_source=2, explainability=False, activation=activation)
    depth_net(IMAGES)
    pose_net(IMAGES, SOURCES)
    return depth_net, pose_net


def _kill(layer):
    """A ReLU layer whose bias is so negative that it outputs 0 for every input: dead for good."""
    layer.bias.assign(tf.fill(layer.bias.shape, -1e4))


def test_zero_fraction_and_spread_known_values():
    assert float(health.zero_fraction(tf.constant([0.0, 1.0, 0.0, 2.0]))) == 0.5
    same = tf.fill([3, 4, 5, 1], 2.0) * tf.reshape(tf.constant([1.0, 3.0, 0.5]), [3, 1, 1, 1])
    # One map at three scales: no spread once each image's own mean is taken out.
    assert float(health.disparity_spread(same)) == pytest.approx(0.0, abs=1e-6)
    # Two images whose log-disparity shapes are +-a around their means: std over the batch is a.
    a = 0.3
    shape = np.array([[1.0, -1.0]], np.float32)  # [h=1, w=2]
    logs = np.stack([a * shape, -a * shape])[..., None]  # [2, 1, 2, 1]
    assert float(health.disparity_spread(tf.exp(logs))) == pytest.approx(a, rel=1e-5)


def test_leaky_networks_have_no_exact_zeros():
    depth_net, pose_net = _networks("leaky_relu")
    values = health.health_values(depth_net, pose_net, IMAGES, SOURCES)
    assert float(values["depth/cnv1b"]) == 0.0 and float(values["pose/cnv1"]) == 0.0


def test_fresh_networks_are_healthy_and_a_killed_encoder_is_not():
    depth_net, pose_net = _networks()
    fresh = {k: float(v) for k, v in health.health_values(depth_net, pose_net, IMAGES, SOURCES).items()}
    assert all(0.2 < fresh[f"depth/cnv{i}b"] < 0.8 for i in range(1, 8))
    assert fresh["depth/spread"] > health.MIN_SPREAD
    assert health.collapse_reason(fresh) is None

    _kill(depth_net.cnv1b)
    killed = {k: float(v) for k, v in health.health_values(depth_net, pose_net, IMAGES, SOURCES).items()}
    assert killed["depth/cnv1b"] == 1.0
    # Nothing of the image passes cnv1b (every later stage and skip starts there), so every
    # image gets the same disparity.
    assert killed["depth/spread"] < 1e-6
    assert health.collapse_reason(killed)[0] == "cnv1b"
    # A dead stage with an output that still varies with the image is not a collapse.
    assert health.collapse_reason({**killed, "depth/spread": health.LIVE_SPREAD}) is None
    assert health.collapse_reason({**killed, "depth/spread": 0.9 * health.LIVE_SPREAD})[0] == "cnv1b"


def test_live_stages_with_an_image_blind_output_are_a_collapse():
    blind = {"depth/cnv1b": 0.0, "depth/spread": 0.5 * health.MIN_SPREAD}
    assert health.collapse_reason(blind) == ("output", "disparity spread across images 2.00e-03 < 0.004")
    assert health.collapse_reason({**blind, "depth/spread": health.MIN_SPREAD}) is None


def test_watch_warns_once_after_patience_and_records_the_step(tmp_path):
    warnings = []
    watch = health.CollapseWatch(str(tmp_path), warnings.append)
    bad = {"depth/cnv1b": 0.995, "depth/spread": 0.01}
    good = {"depth/cnv1b": 0.5, "depth/spread": 0.05}
    for step, values in enumerate([bad, bad, good, bad, bad, bad, bad], start=1):
        watch.update(step * 10, values)
    assert len(warnings) == 1 and "step 60" in warnings[0] and "cnv1b" in warnings[0]
    record = read_health(str(tmp_path))
    assert record["status"] == "collapsed"
    assert record["collapse"]["step"] == 60 and record["collapse"]["layer"] == "cnv1b"
    assert "step 60" in collapse_warning(record)
    # A resumed run keeps the verdict and does not warn again.
    again = []
    health.CollapseWatch(str(tmp_path), again.append).update(80, bad)
    assert not again and read_health(str(tmp_path))["collapse"]["step"] == 60


def test_a_run_from_a_killed_network_warns_and_evaluation_repeats_it(tiny_dataset, tmp_path):
    # Start training from a DispNet whose cnv1b is dead: the run must say so, name the step and
    # the layer, and leave the verdict where evaluation finds it.
    depth_net, pose_net = _networks()
    _kill(depth_net.cnv1b)
    killed = tmp_path / "killed"
    tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net).write(str(killed / "ckpt"))
    run_dir = tmp_path / "run"
    flags = tiny_flags(tiny_dataset, run_dir, init_checkpoint=killed / "ckpt", explain_weight=0, max_steps=4,
                       activation="relu")
    trained = run_python(["-m", "sfmlearner_tf.train", *flags], timeout=400)
    assert trained.returncode == 0, trained.stderr[-3000:]
    assert "DEPTH NETWORK COLLAPSED at step 3: cnv1b: 100.00% of its outputs are exactly 0" in trained.stderr
    record = json.loads((run_dir / "health.json").read_text())
    assert record["collapse"]["layer"] == "cnv1b" and record["last"]["step"] == 4

    evaluated = run_python(["-m", "sfmlearner_tf.evaluate", "--mode=depth", f"--model={run_dir}",
                            f"--dataset_dir={tiny_dataset}", "--split=val",
                            f"--output_file={tmp_path / 'depth.json'}"], timeout=300)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert "training recorded a collapsed depth network at step 3 (cnv1b" in evaluated.stdout
    result = json.loads((tmp_path / "depth.json").read_text())
    assert result["training_health"]["status"] == "collapsed"
    # A dead encoder gives one map for every image: the model is its own mean map.
    assert result["ratios"]["mean_map"]["abs_rel"] == pytest.approx(1.0, abs=1e-4)
