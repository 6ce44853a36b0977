"""Training health: the signals on known networks, the collapse rule, and a real run that collapses."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.models import DispNet, PoseExpNet
from sfmlearner_tf.run_dir import health_line, read_health
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


BAD = {"depth/cnv1b": 0.995, "depth/spread": 0.01}
GOOD = {"depth/cnv1b": 0.5, "depth/spread": 0.05}


def _watch(tmp_path, probes, every):
    """A CollapseWatch fed `probes` (values) every `every` steps from step `every`; returns the
    watch, its warnings and its notes."""
    warnings, notes = [], []
    watch = health.CollapseWatch(str(tmp_path), warnings.append, inform=notes.append)
    for step, values in enumerate(probes, start=1):
        watch.update(step * every, values)
    return watch, warnings, notes


@pytest.mark.parametrize("every", [10, 25, 50])
def test_the_rule_counts_steps_not_probes(tmp_path, every):
    # Bad from step 50 on, to step 300: declared at step 150 (100 steps of failing probes) whatever
    # the probe interval; one probe short of those 100 steps is not a collapse.
    probes = [GOOD if step < 50 else BAD for step in range(every, 301, every)]
    _, warnings, _ = _watch(tmp_path / "full", probes, every)
    record = read_health(str(tmp_path / "full"))
    assert len(warnings) == 1 and "COLLAPSED at step 50: cnv1b" in warnings[0] and "steps 50-150" in warnings[0]
    assert record["collapse"] == {"step": 50, "declared": 150, "layer": "cnv1b", "recovered": None,
                                  "reason": "99.50% of its outputs are exactly 0"}
    short = [GOOD if step < 50 else BAD for step in range(every, 150, every)]
    _, warnings, _ = _watch(tmp_path / "short", short, every)
    assert not warnings and read_health(str(tmp_path / "short"))["status"] == "healthy"


def test_one_passing_probe_restarts_the_count(tmp_path):
    _, warnings, _ = _watch(tmp_path, [BAD] * 9 + [GOOD] + [BAD] * 9, every=10)
    assert not warnings and read_health(str(tmp_path))["status"] == "healthy"


def test_the_verdict_records_recovery_and_a_second_collapse(tmp_path):
    # Collapsed over steps 10-110, passing from step 200: recovered once 100 steps have passed (300).
    watch, warnings, notes = _watch(tmp_path, [BAD] * 15 + [GOOD] * 5, every=10)
    assert watch.collapsed and not notes
    watch.update(300, GOOD)
    assert not watch.collapsed and notes == [
        "depth network recovered at step 160 from its collapse at step 10: its depth depends on the image again "
        "(spread 0.05)."]
    record = read_health(str(tmp_path))
    assert record["status"] == "recovered" and record["collapse"]["recovered"] == 160
    assert record["last"]["step"] == 300
    line = health_line(record)
    assert line.startswith("training health: the depth network collapsed at step 10 (cnv1b") and "WARNING" not in line
    assert "recovered at step 160" in line and "step 300" in line
    # A second collapse is a second episode; the latest state is collapsed again.
    for step in range(310, 420, 10):
        watch.update(step, BAD)
    record = read_health(str(tmp_path))
    assert record["status"] == "collapsed" and len(warnings) == 2
    assert [(e["step"], e["declared"], e["recovered"]) for e in record["episodes"]] == [(10, 110, 160), (310, 410, None)]
    assert health_line(record).startswith("WARNING: training recorded that the depth network collapsed at step 310")


def test_a_resumed_run_keeps_its_episodes(tmp_path):
    _watch(tmp_path, [BAD] * 12, every=10)
    again = []
    resumed = health.CollapseWatch(str(tmp_path), again.append)
    resumed.update(130, BAD)
    assert not again and resumed.collapsed and read_health(str(tmp_path))["collapse"]["step"] == 10
    # A record written before episodes were (one collapse, never recovered) reads as one episode.
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "health.json").write_text(json.dumps(
        {"status": "collapsed", "collapse": {"step": 80, "layer": "output", "reason": "spread"}, "last": {"step": 900}}))
    assert health.episodes(read_health(str(tmp_path / "old"))) == [
        {"step": 80, "declared": 80, "layer": "output", "reason": "spread", "recovered": None}]
    assert "collapsed at step 80" in health_line(read_health(str(tmp_path / "old")))
    assert health_line(None) is None and health_line({"status": "healthy", "collapse": None}) is None


def test_a_run_from_a_killed_network_warns_and_evaluation_repeats_it(tiny_dataset, tmp_path):
    # Start training from a DispNet whose cnv1b is dead: the run must say so, name the step and
    # the layer, and leave the verdict where evaluation finds it.
    depth_net, pose_net = _networks()
    _kill(depth_net.cnv1b)
    killed = tmp_path / "killed"
    tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net).write(str(killed / "ckpt"))
    run_dir = tmp_path / "run"
    flags = tiny_flags(tiny_dataset, run_dir, init_checkpoint=killed / "ckpt", explain_weight=0, max_steps=125,
                       log_every=25, save_every=125, summary_every=125, activation="relu")
    trained = run_python(["-m", "sfmlearner_tf.train", *flags], timeout=400)
    assert trained.returncode == 0, trained.stderr[-3000:]
    assert "DEPTH NETWORK COLLAPSED at step 25: cnv1b: 100.00% of its outputs are exactly 0" in trained.stderr
    record = json.loads((run_dir / "health.json").read_text())
    assert record["collapse"]["layer"] == "cnv1b" and record["collapse"]["declared"] == 125
    assert record["last"]["step"] == 125

    evaluated = run_python(["-m", "sfmlearner_tf.evaluate", "--mode=depth", f"--model={run_dir}",
                            f"--dataset_dir={tiny_dataset}", "--split=val",
                            f"--output_file={tmp_path / 'depth.json'}"], timeout=300)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert "training recorded that the depth network collapsed at step 25 (cnv1b" in evaluated.stdout
    result = json.loads((tmp_path / "depth.json").read_text())
    assert result["training_health"]["status"] == "collapsed"
    # A dead encoder gives one map for every image: the model is its own mean map.
    assert result["ratios"]["mean_map"]["abs_rel"] == pytest.approx(1.0, abs=1e-4)
