"""Inference on a folder: outputs of the input's size; bad inputs fail with one line naming the file."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from sfmlearner_tf.inference import image_io, run_inference, trajectory_io
from sfmlearner_tf.inference.predict import load_networks
from tests.evaluation.builders import REPO_ROOT, make_run_dir


def _write_images(folder, sizes):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i, (height, width) in enumerate(sizes):
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(os.path.join(folder, f"im{i}.png"))
    # A grayscale frame is replicated to RGB (the channel policy), not rejected.
    Image.fromarray(rng.integers(0, 256, sizes[0], dtype=np.uint8)).save(os.path.join(folder, "gray.png"))


def test_folder_inference_writes_outputs_of_the_input_size(depth_model, tmp_path):
    _write_images(str(tmp_path / "in"), [(50, 70), (40, 100)])
    summary = run_inference.run_inference(depth_model, str(tmp_path / "in"), str(tmp_path / "out"), batch_size=2,
                                      save_npy=True, pose=True, show_progress=False)
    assert summary["num_frames"] == 3
    for name, shape in [("im0", (50, 70)), ("im1", (40, 100)), ("gray", (50, 70))]:
        depth = np.load(tmp_path / "out" / f"{name}_depth.npy")
        assert depth.shape == shape and np.all(np.isfinite(depth)) and depth.min() > 0
        with Image.open(tmp_path / "out" / f"{name}_depth.png") as image:
            assert image.size == shape[::-1] and image.mode == "I;16"
        np.testing.assert_allclose(image_io.read_depth_png(str(tmp_path / "out" / f"{name}_depth.png")), depth,
                                   atol=0.5 / 256 + 1e-6)
        with Image.open(tmp_path / "out" / f"{name}_depth_color.png") as image:
            assert image.size == shape[::-1] and image.mode == "RGB"
    poses = trajectory_io.read_kitti_poses(str(tmp_path / "out" / "trajectory.kitti.txt"))
    assert poses.shape == (3, 4, 4) and np.allclose(poses[0], np.eye(4))
    _, tum = trajectory_io.read_tum_trajectory(str(tmp_path / "out" / "trajectory.tum.txt"))
    np.testing.assert_allclose(tum, poses, atol=1e-6)


def test_checkpoint_of_another_configuration_is_a_clear_error(tmp_path):
    from sfmlearner_tf.config import Config, ModelConfig
    from sfmlearner_tf.run_dir import write_config

    path = make_run_dir(str(tmp_path / "run"), seq_length=3)
    write_config(path, Config(model=ModelConfig(height=32, width=96, seq_length=5)))
    with pytest.raises(ValueError, match="does not match its config.json"):
        load_networks(path)


@pytest.mark.parametrize("name,expected", [("broken.png", "broken.png"), ("two.png", "two.png"), ("clip.mp4", "clip.mp4")])
def test_bad_inputs_are_errors_naming_the_file(tmp_path, name, expected):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG broken")
    Image.fromarray(np.zeros((4, 4, 2), np.uint8), "LA").save(tmp_path / "two.png")
    (tmp_path / "clip.mp4").write_bytes(b"")  # no ffmpeg, or ffmpeg finds no stream: an error either way
    with pytest.raises((ValueError, FileNotFoundError), match=expected):
        run_inference.run_inference(str(tmp_path / "no_model"), str(tmp_path / name), str(tmp_path / "out"), show_progress=False)


def test_cli_empty_folder_exits_nonzero_with_one_line(run_dir, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "sfmlearner_tf.infer", f"--model={run_dir}", f"--input={empty}",
         f"--output_dir={tmp_path / 'out'}"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert completed.returncode == 2
    message = [line for line in completed.stderr.splitlines() if line.startswith("infer: error:")]
    assert len(message) == 1 and "no image" in message[0] and str(empty) in message[0], completed.stderr[-2000:]


def _write_constant_saved_model(path, height=32, width=96, seq_length=3):
    """A SavedModel with the export's signatures (serving_default: uint8 `image` -> `depth`,
    `disparity` [B, H, W, 1]; pose: uint8 `target`, `sources` -> `pose` [B, N, 6]) whose depth is
    2 m everywhere and whose pose is 0.1 m forward per source, so the answers are known."""
    import tensorflow as tf

    num_source = seq_length - 1
    module = tf.Module()

    @tf.function(input_signature=[tf.TensorSpec([None, height, width, 3], tf.uint8, name="image")])
    def serve_depth(image):
        depth = tf.fill(tf.concat([tf.shape(image)[:3], [1]], 0), 2.0)
        return {"depth": depth, "disparity": 1.0 / depth}

    @tf.function(input_signature=[tf.TensorSpec([None, height, width, 3], tf.uint8, name="target"),
                                  tf.TensorSpec([None, height, width, 3 * num_source], tf.uint8, name="sources")])
    def serve_pose(target, sources):
        # Source s (time order) is 0.1 (s - t) m ahead of the target: X_s = X_t - (0, 0, 0.1 (s - t)).
        half = seq_length // 2
        offsets = tf.constant([i - half for i in range(seq_length) if i != half], tf.float32)
        vector = tf.stack([tf.zeros_like(offsets)] * 2 + [-0.1 * offsets] + [tf.zeros_like(offsets)] * 3, axis=-1)
        return {"pose": tf.tile(vector[None], [tf.shape(target)[0], 1, 1])}

    module.serve_depth, module.serve_pose = serve_depth, serve_pose
    tf.saved_model.save(module, path, signatures={"serving_default": serve_depth, "pose": serve_pose})
    return path


def test_saved_model_depth_and_pose_signatures(tmp_path):
    model = _write_constant_saved_model(str(tmp_path / "saved_model"))
    _write_images(str(tmp_path / "in"), [(40, 100), (40, 100)])
    summary = run_inference.run_inference(model, str(tmp_path / "in"), str(tmp_path / "out"), save_png=False,
                                      save_npy=True, save_color=False, pose=True, show_progress=False)
    assert summary["num_frames"] == 3
    np.testing.assert_allclose(np.load(tmp_path / "out" / "im1_depth.npy"), np.full((40, 100), 2.0))
    poses = trajectory_io.read_kitti_poses(summary["trajectory"]["kitti"])
    # X_s = X_t + (0, 0, -0.1 (s - t)): camera s sits 0.1 (s - t) m ahead, so frame i is at z = 0.1 i.
    np.testing.assert_allclose(poses[:, 2, 3], [0.0, 0.1, 0.2], atol=1e-6)
