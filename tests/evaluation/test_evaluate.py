"""Depth and pose evaluation end to end: TFRecords, depth folders, a KITTI-raw layout, the real
KITTI odometry clip, and the `evaluate` program writing JSON with the model beside the baselines."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from sfmlearner_tf.evaluation.depth_eval import evaluate_depth_on_dataset
from sfmlearner_tf.evaluation.depth_metrics import DEPTH_METRIC_NAMES, compute_depth_metrics
from sfmlearner_tf.evaluation.pose_runs import evaluate_pose_on_dataset
from sfmlearner_tf.evaluation import depth_eval, pose_runs
from sfmlearner_tf.inference import image_io, trajectory_io
from tests.evaluation.builders import REPO_ROOT, ramp_depth
from tests.evaluation.test_kitti import _write_calibration


def _finite_metrics(metrics):
    return all(np.isfinite(metrics[name]) for name in DEPTH_METRIC_NAMES)


def test_depth_on_tfrecords_reports_model_and_constant_baseline(depth_model, tfrecords_dir):
    result = evaluate_depth_on_dataset(depth_model, tfrecords_dir, "test", batch_size=4, show_progress=False)
    assert result["num_images"] == 6 and result["metric_names"] == list(DEPTH_METRIC_NAMES)
    assert _finite_metrics(result["model"])
    # The constant baseline of the known ground truth (targets 1..6, stored as float16).
    expected = np.mean([
        compute_depth_metrics((ramp_depth() * (1 + 0.01 * t)).astype(np.float16), np.ones((32, 96)))["abs_rel"]
        for t in range(1, 7)
    ])
    assert result["baselines"]["constant"]["abs_rel"] == pytest.approx(expected, rel=1e-6)
    json.dumps(result)  # JSON-ready


def test_pose_on_tfrecords_reports_model_and_zero_motion(networks, tfrecords_dir, tmp_path):
    result = evaluate_pose_on_dataset(networks, tfrecords_dir, "test", batch_size=4, output_dir=str(tmp_path),
                                      show_progress=False)
    assert result["snippet"] == {**result["snippet"], "length": 3, "method": "direct"}
    zero = result["baselines"]["zero_motion"]
    # Zero motion on 3-frame snippets moving 0.8 m (+0.05 m sideways) per frame: first-frame
    # positions g = 0, d, 2d (|d| = 0.8016 approx., the trajectory turns slowly), ATE = sqrt(5) |d| / 3.
    assert zero["snippet_ate"]["mean"] == pytest.approx(np.sqrt(5) * np.hypot(0.8, 0.05) / 3, rel=0.01)
    assert np.isfinite(result["model"]["snippet_ate"]["mean"]) and np.isfinite(result["model"]["full_sequence"]["ate_rmse"])
    poses = trajectory_io.read_kitti_poses(result["trajectories"]["seq_a"]["kitti"])
    assert poses.shape == (6, 4, 4)


def test_depth_folders_with_npy_and_png_ground_truth(depth_model, tmp_path):
    rng = np.random.default_rng(0)
    os.makedirs(tmp_path / "img")
    os.makedirs(tmp_path / "gt")
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(tmp_path / "img" / f"f{i}.png")
    np.save(tmp_path / "gt" / "f0.npy", np.full((40, 60), 7.0, np.float32))
    image_io.write_depth_png(str(tmp_path / "gt" / "f1.png"), np.full((40, 60), 7.0), scale=1000.0)
    result = depth_eval.evaluate_depth_folders(depth_model, str(tmp_path / "img"), str(tmp_path / "gt"),
                                               depth_png_scale=1000.0, show_progress=False)
    assert result["num_images"] == 2
    # A constant ground truth is matched exactly by the median-scaled constant baseline.
    assert result["baselines"]["constant"]["abs_rel"] == pytest.approx(0.0, abs=1e-6)
    assert result["baselines"]["constant"]["a1"] == 1.0


def test_kitti_eigen_on_a_synthetic_raw_layout(depth_model, tmp_path):
    drive = tmp_path / "2011_09_26" / "2011_09_26_drive_0002_sync"
    os.makedirs(drive / "image_02" / "data")
    os.makedirs(drive / "velodyne_points" / "data")
    _write_calibration(str(tmp_path / "2011_09_26"))
    Image.fromarray(np.full((40, 100, 3), 128, np.uint8)).save(drive / "image_02" / "data" / "0000000069.png")
    # A wall 10 m ahead filling the lower part of the image (rows 20..39 after the crop).
    ys, zs = np.meshgrid(np.linspace(-4, 4, 80), np.linspace(-1.9, 0, 40))
    points = np.stack([np.full(ys.size, 10.0), ys.ravel(), zs.ravel(), np.ones(ys.size)], 1).astype(np.float32)
    points.tofile(drive / "velodyne_points" / "data" / "0000000069.bin")
    test_list = tmp_path / "test_files.txt"
    test_list.write_text("2011_09_26/2011_09_26_drive_0002_sync 69 l\n")
    result = depth_eval.evaluate_depth_kitti_eigen(depth_model, str(tmp_path), str(test_list), show_progress=False)
    assert result["num_images"] == 1 and result["settings"]["crop"] is not None
    assert _finite_metrics(result["model"])
    assert result["baselines"]["constant"]["abs_rel"] == pytest.approx(0.0, abs=1e-6)  # all gt = 10.2 m


def test_kitti_eigen_in_metres_from_the_camera_height(tmp_path):
    import tensorflow as tf

    from sfmlearner_tf.config import EvalConfig
    from sfmlearner_tf.evaluation.depth_eval import KITTI_EIGEN
    from sfmlearner_tf.inference.predict import DepthModel

    drive = tmp_path / "2011_09_26" / "2011_09_26_drive_0002_sync"
    os.makedirs(drive / "image_02" / "data")
    os.makedirs(drive / "velodyne_points" / "data")
    _write_calibration(str(tmp_path / "2011_09_26"))  # P_rect_02: fx = fy = 100, cx 50.3, cy 20.6
    height, width, camera_height = 40, 104, 1.65
    Image.fromarray(np.full((height, width, 3), 128, np.uint8)).save(drive / "image_02" / "data" / "0000000069.png")
    ys, zs = np.meshgrid(np.linspace(-4, 4, 80), np.linspace(-1.9, 0, 40))
    points = np.stack([np.full(ys.size, 10.0), ys.ravel(), zs.ravel(), np.ones(ys.size)], 1).astype(np.float32)
    points.tofile(drive / "velodyne_points" / "data" / "0000000069.bin")
    test_list = tmp_path / "test_files.txt"
    test_list.write_text("2011_09_26/2011_09_26_drive_0002_sync 69 l\n")
    # A network at the image's own size that sees a flat road 1.65 m below a level camera with
    # the calibration's K, in units of a quarter metre: the ground must give the scale 4.
    v = np.arange(height, dtype=np.float64)[:, None] * np.ones((1, width))
    road = np.where(v > 20.6 + 1, camera_height * 100.0 / np.maximum(v - 20.6, 1e-9), 30.0)
    quarter = tf.constant(np.minimum(road, 30.0) / 4.0, tf.float32)
    model = DepthModel(height, width, lambda images: tf.repeat(quarter[None], tf.shape(images)[0], axis=0))
    config = EvalConfig(crop=KITTI_EIGEN.crop, camera_height=camera_height)
    result = depth_eval.evaluate_depth_kitti_eigen(model, str(tmp_path), str(test_list), config, show_progress=False)
    assert result["camera_height"]["scale"]["median"] == pytest.approx(4.0, rel=0.01)
    assert "scale_check" in result and "depth" in result["baselines"]["constant"]


def test_pose_on_the_real_kitti_clip(networks, shared_data, tmp_path):
    clip = shared_data / "kitti_odometry_06_clip"
    if not clip.is_dir():
        pytest.skip(f"{clip} not found")
    result = pose_runs.evaluate_pose_on_raw_sequence(networks, "kitti_odom", str(clip), "06", output_dir=str(tmp_path))
    assert result["num_frames"] == 51 and result["snippet"]["method"] == "chained"
    for method in (result["model"], result["baselines"]["zero_motion"]):
        assert method["snippet_ate"]["count"] == 47 and np.isfinite(method["snippet_ate"]["mean"])
        assert np.isfinite(method["full_sequence"]["ate_rmse"]) and np.isfinite(method["full_sequence"]["rpe_rot_rmse"])
    _, tum = trajectory_io.read_tum_trajectory(result["trajectories"]["kitti_odom_06"]["tum"])
    assert tum.shape == (51, 4, 4)


def test_evaluate_program_writes_json_per_mode_with_model_and_baselines(run_dir, tfrecords_dir, tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "sfmlearner_tf.evaluate", f"--model={run_dir}", f"--dataset_dir={tfrecords_dir}",
               "--split=test", "--batch_size=4"]
    depth_json = tmp_path / "depth.json"
    completed = subprocess.run(command + ["--mode=depth", "--crop=0.25,1,0,1", f"--output_file={depth_json}"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "abs_rel" in completed.stdout and "constant" in completed.stdout
    result = json.loads(depth_json.read_text())
    assert set(result["model"]) >= set(DEPTH_METRIC_NAMES) and set(result["baselines"]["constant"]) >= set(DEPTH_METRIC_NAMES)
    assert result["settings"]["crop"] == [0.25, 1.0, 0.0, 1.0]
    pose_json = tmp_path / "pose.json"
    completed = subprocess.run(command + ["--mode=pose", f"--output_file={pose_json}"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "zero_motion" in completed.stdout
    result = json.loads(pose_json.read_text())
    for method in (result["model"], result["baselines"]["zero_motion"]):
        assert np.isfinite(method["snippet_ate"]["mean"]) and np.isfinite(method["full_sequence"]["ate_rmse"])
    assert os.path.isfile(result["trajectories"]["seq_a"]["tum"])
