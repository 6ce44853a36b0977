"""End-to-end builds: the synthetic world round trip, sharding, reruns, the command line."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from data_prep import build_lib, readers
from sfmlearner_tf.data import dataset_info
from tests.conftest import REPO_ROOT
from tests.data_prep import fake_datasets

SMALL = dict(height=32, width=96)


def _build(source_dir, output_dir, dataset_format="synthetic", **options):
    sequences = readers.read_sequences(dataset_format, str(source_dir))
    return build_lib.build_dataset(sequences, str(output_dir), dataset_format,
                                   build_lib.BuildOptions(**{**SMALL, **options}),
                                   source_dir=str(source_dir), show_progress=False)


def test_synthetic_round_trip(tmp_path):
    truth = fake_datasets.write_synthetic_world(tmp_path / "world", num_sequences=2, num_frames=5)
    info = _build(tmp_path / "world", tmp_path / "out", split="train")
    assert info["has_gt_depth"] and info["has_gt_poses"]
    assert info["splits"]["train"]["num_snippets"] == 6
    assert dataset_info.read_dataset_info(str(tmp_path / "out"))["frame_stride"] == 1

    records = fake_datasets.read_records(str(tmp_path / "out"))
    assert [(r["sequence"][0], int(r["frame_index"][0])) for r in records] == [
        (b"seq_000", 1), (b"seq_000", 2), (b"seq_000", 3), (b"seq_001", 1), (b"seq_001", 2), (b"seq_001", 3)]
    record = records[4]
    assert fake_datasets.decode_image(record["image/0"][0]).shape == (32, 96, 3)
    # Native 48x64 -> 32x96: x scales by 1.5, y by 2/3, about pixel centres: c' = (c + 0.5)·s - 0.5.
    np.testing.assert_allclose(record["intrinsics"].reshape(3, 3),
                               [[60.0, 0, (31.5 + 0.5) * 1.5 - 0.5], [0, 80 / 3, (23.5 + 0.5) * 2 / 3 - 0.5], [0, 0, 1]],
                               rtol=1e-6)
    np.testing.assert_allclose(record["gt_poses"].reshape(3, 3, 4), truth["seq_001"]["poses"][1:4], atol=1e-6)
    depth = fake_datasets.decode_depth(record)
    assert depth.shape == (32, 96)
    # Nearest-neighbour rows of the target (frame 2: depth = 3 + row / 100), float16 precision.
    rows = np.floor((np.arange(32) + 0.5) * 48 / 32).astype(int)
    np.testing.assert_allclose(depth[:, 0], 3.0 + rows / 100.0, atol=2e-3)


def test_train_val_split_jpeg_shards_and_workers(tmp_path):
    fake_datasets.write_synthetic_world(tmp_path / "world", num_sequences=3, num_frames=7)
    info = _build(tmp_path / "world", tmp_path / "out", val_fraction=0.34, image_format="jpeg",
                  num_shards=2, num_workers=2, seq_length=5)
    assert info["splits"]["train"]["num_snippets"] == 6 and info["splits"]["val"]["num_snippets"] == 3
    assert len(info["splits"]["train"]["shards"]) == 2
    assert not set(info["splits"]["train"]["sequences"]) & set(info["splits"]["val"]["sequences"])
    records = fake_datasets.read_records(str(tmp_path / "out"), "val")
    assert records[0]["image/4"][0][:2] == b"\xff\xd8"  # JPEG magic
    assert records[0]["gt_poses"].shape == (5 * 12,)


def test_rerun_refuses_and_overwrite_replaces(tmp_path):
    fake_datasets.write_synthetic_world(tmp_path / "world", num_sequences=1, num_frames=4)
    _build(tmp_path / "world", tmp_path / "out")
    with pytest.raises(FileExistsError, match="--overwrite"):
        _build(tmp_path / "world", tmp_path / "out")
    info = _build(tmp_path / "world", tmp_path / "out", overwrite=True, seq_length=3, frame_stride=1)
    assert info["splits"]["train"]["num_snippets"] == 2
    assert sorted(os.listdir(tmp_path)) == ["out", "world"]  # no .tmp / .old left behind


def test_frames_folders_with_intrinsics_file(tmp_path):
    for name in ("walk_a", "walk_b"):
        for i in range(5):
            fake_datasets.write_image(str(tmp_path / "clips" / name / f"f{i:03d}.jpg"), np.full((40, 80, 3), 20 * i))
    (tmp_path / "K.txt").write_text("# fx fy cx cy\n64 64 40 20\n")
    intrinsics = readers.base.read_intrinsics_file(str(tmp_path / "K.txt"))
    np.testing.assert_array_equal(intrinsics, [[64, 0, 40], [0, 64, 20], [0, 0, 1]])
    sequences = readers.read_sequences("frames", str(tmp_path / "clips"), intrinsics=intrinsics)
    assert [s.name for s in sequences] == ["walk_a", "walk_b"]
    info = build_lib.build_dataset(sequences, str(tmp_path / "out"), "frames",
                                   build_lib.BuildOptions(**SMALL, val_fraction=0.5), show_progress=False)
    assert info["splits"]["train"]["num_snippets"] == 3 and info["splits"]["val"]["num_snippets"] == 3
    assert not info["has_gt_poses"] and not info["has_gt_depth"]
    with pytest.raises(ValueError, match="0.8"):
        readers.read_sequences("frames", str(tmp_path / "clips" / "walk_a"))


def _cli(*args):
    command = [sys.executable, "-m", "data_prep.build_tfrecords", "--num_workers=1", *args]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_command_line_build_rerun_and_error(tmp_path):
    fake_datasets.write_synthetic_world(tmp_path / "world", num_sequences=2, num_frames=4)
    args = ["--dataset_format=synthetic", f"--dataset_dir={tmp_path / 'world'}",
            f"--output_dir={tmp_path / 'out'}", "--height=32", "--width=96", "--val_fraction=0.5"]
    result = _cli(*args)
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "out" / "dataset.json") as f:
        info = json.load(f)
    assert info["source"] == "synthetic" and set(info["splits"]) == {"train", "val"}
    assert re.search(r"snippets \[#+\] 4/4 \(100%\)", result.stderr), result.stderr

    # Any input error takes the same path: one line naming the file, status 1, no traceback.
    result = _cli(*args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: output folder {tmp_path / 'out'} already holds a dataset; pass --overwrite to replace it")
    assert "Traceback" not in result.stderr and not os.path.exists(tmp_path / "out.tmp")


def test_rendered_synthetic_sequence_end_to_end(tmp_path):
    synthetic_world = pytest.importorskip("data_prep.synthetic_world")
    rendered = synthetic_world.render_sequence(seed=1, num_frames=4, height=32, width=96)
    folder = tmp_path / "world" / "seq_000"
    for i, (image, depth) in enumerate(zip(rendered["images"], rendered["depths"])):
        fake_datasets.write_image(str(folder / "image" / f"{i:06d}.png"), image)
        os.makedirs(folder / "depth", exist_ok=True)
        np.save(folder / "depth" / f"{i:06d}.npy", depth)
    np.savetxt(folder / "poses.txt", rendered["poses"][:, :3, :].reshape(4, 12))
    np.savetxt(folder / "intrinsics.txt", rendered["intrinsics"])
    (tmp_path / "world" / "world.json").write_text(json.dumps({"fps": 10}))

    _build(tmp_path / "world", tmp_path / "out")
    records = fake_datasets.read_records(str(tmp_path / "out"))
    assert len(records) == 2
    # Same size in and out: frames, depth and K pass through unchanged (depth to float16 precision).
    np.testing.assert_array_equal(fake_datasets.decode_image(records[1]["image/1"][0]), rendered["images"][2])
    np.testing.assert_allclose(fake_datasets.decode_depth(records[1]), rendered["depths"][2], rtol=1e-3)
    np.testing.assert_allclose(records[1]["intrinsics"].reshape(3, 3), rendered["intrinsics"], rtol=1e-6)
    np.testing.assert_allclose(records[1]["gt_poses"].reshape(3, 3, 4), rendered["poses"][1:4, :3], atol=1e-5)


def test_frames_without_a_calibration_get_the_guess_and_say_so(tmp_path):
    from data_prep.readers.frames import GUESSED_FOCAL
    from sfmlearner_tf.models.pose_exp_net import INITIAL_FOCAL

    # The learned camera starts where data prep's guess is.
    assert INITIAL_FOCAL == GUESSED_FOCAL
    for i in range(4):
        fake_datasets.write_image(str(tmp_path / "walk" / f"f{i:03d}.png"), np.full((40, 80, 3), 30 * i))
    sequences = readers.read_sequences("frames", str(tmp_path / "walk"), unknown_intrinsics=True)
    np.testing.assert_allclose(sequences[0].intrinsics, [[64, 0, 39.5], [0, 64, 19.5], [0, 0, 1]])
    with pytest.raises(ValueError, match="pass one of them"):
        readers.read_sequences("frames", str(tmp_path / "walk"), intrinsics=np.eye(3), unknown_intrinsics=True)
    with pytest.raises(ValueError, match="applies to frames only"):
        readers.read_sequences("tum", str(tmp_path / "walk"), unknown_intrinsics=True)
    result = _cli("--dataset_format=frames", f"--dataset_dir={tmp_path / 'walk'}", f"--output_dir={tmp_path / 'out'}",
                  "--height=32", "--width=96", "--val_fraction=0", "--unknown_intrinsics")
    assert result.returncode == 0, result.stderr
    assert dataset_info.read_dataset_info(str(tmp_path / "out"))["intrinsics_known"] is False
