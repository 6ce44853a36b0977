"""Reading out a run's learned camera per sequence, and the warning where rotation cannot pin it."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sfmlearner_tf.inference.learned_intrinsics import learned_intrinsics, min_rotation
from sfmlearner_tf.models.pose_exp_net import INITIAL_FOCAL
from tests.evaluation.builders import HEIGHT, REPO_ROOT, WIDTH, make_run_dir


@pytest.fixture(scope="module")
def learned_run(tmp_path_factory):
    return make_run_dir(str(tmp_path_factory.mktemp("learned")), learn_intrinsics=True)


def test_an_untrained_head_reports_the_initial_camera_and_no_usable_focal(learned_run, tfrecords_dir):
    result = learned_intrinsics(learned_run, tfrecords_dir, split="test")
    assert result["network_size"] == result["stored_size"] == [HEIGHT, WIDTH]
    sequence = result["sequences"]["seq_a"]
    assert sequence["snippets"] == 6
    assert sequence["network"]["fx"] == pytest.approx({"mean": INITIAL_FOCAL * WIDTH, "std": 0.0}, abs=1e-4)
    assert sequence["stored"]["cy"]["mean"] == pytest.approx((HEIGHT - 1) / 2, abs=1e-4)
    # An untrained pose network predicts rotations of about 0.01 x its small outputs.
    assert sequence["rotation"]["p90"] < sequence["rotation"]["threshold"]
    assert not sequence["focal_observable"] and "seq_a: the camera hardly rotates" in sequence["warning"]


def test_the_rotation_threshold_is_the_documented_formula():
    # 0.1 px at the edge of a 208-wide image for a 5 % focal error, f = 0.8 W: 1.8 degrees.
    assert np.degrees(min_rotation(0.8 * 208, 208)) == pytest.approx(1.76, abs=0.01)


def test_a_run_without_learned_intrinsics_is_a_clear_error(run_dir, tfrecords_dir):
    with pytest.raises(ValueError, match="trained without --learn_intrinsics"):
        learned_intrinsics(run_dir, tfrecords_dir, split="test")


def test_the_command_prints_the_table_and_writes_the_run(learned_run, tfrecords_dir, run_dir):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "sfmlearner_tf.intrinsics", f"--dataset_dir={tfrecords_dir}", "--split=test"]
    done = subprocess.run(command + [f"--model={learned_run}"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=180, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "learned intrinsics at the records' size 96x32" in done.stdout and "hardly rotates" in done.stdout
    written = json.loads(open(os.path.join(learned_run, "intrinsics.json")).read())
    assert set(written["sequences"]) == {"seq_a"}
    refused = subprocess.run(command + [f"--model={run_dir}"], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=180, env=env)
    assert refused.returncode == 2
    assert [line for line in refused.stderr.splitlines() if line.startswith("intrinsics: error:")]
