"""The readers on the real sample sequences in ../shared/data (skipped where absent)."""

import re

import numpy as np
import pytest

from data_prep import build_lib, readers
from data_prep.readers import tum
from data_prep.readers.base import Sequence, parse_frame_range
from tests.data_prep import fake_datasets


def test_kitti_odometry_clip(shared_data, tmp_path):
    source = shared_data / "kitti_odometry_06_clip"
    if not source.is_dir():
        pytest.skip(f"{source} not found")
    sequences = readers.read_sequences("kitti_odom", str(source))
    info = build_lib.build_dataset(sequences, str(tmp_path / "out"), "kitti_odom",
                                   build_lib.BuildOptions(num_workers=1), show_progress=False)
    assert info["splits"] == {"train": {"shards": ["train-00000-of-00001.tfrecord"], "num_snippets": 49,
                                        "sequences": ["06"]}}
    assert (info["height"], info["width"], info["seq_length"], info["has_gt_poses"]) == (128, 416, 3, True)

    records = fake_datasets.read_records(str(tmp_path / "out"))
    assert len(records) == 49
    record = records[10]
    assert int(record["frame_index"][0]) == 11
    np.testing.assert_allclose(record["intrinsics"][0], 707.0912 * 416 / 1226, rtol=1e-6)
    # About pixel centres: c' = (c + 0.5)·s - 0.5.
    np.testing.assert_allclose(record["intrinsics"][5], (183.1104 + 0.5) * 128 / 370 - 0.5, rtol=1e-6)
    image = fake_datasets.decode_image(record["image/1"][0])
    assert image.shape == (128, 416, 3)
    # Grayscale replicated to 3 channels.
    np.testing.assert_array_equal(image[..., 0], image[..., 2])
    file_poses = np.loadtxt(source / "poses" / "06.txt").reshape(-1, 3, 4)
    np.testing.assert_allclose(record["gt_poses"].reshape(3, 3, 4), file_poses[10:13], atol=1e-5)


def test_tum_clip_associates_colour_depth_and_poses(shared_data, tmp_path):
    source = shared_data / "tum_fr1_xyz_37"
    if not source.is_dir():
        pytest.skip(f"{source} not found")
    (sequence,) = readers.read_sequences("tum", str(source))
    assert len(sequence.frames) == 37
    np.testing.assert_allclose(sequence.intrinsics, [[517.3, 0, 318.6], [0, 516.5, 255.3], [0, 0, 1]])
    assert sequence.frames[0].endswith("rgb/1305031102.175304.png")
    assert sequence.depth_files[0].endswith("depth/1305031102.160407.png")
    # 1305031102.211214: depth .226738 is 15.5 ms away, .194330 16.9 ms: the nearest wins.
    assert sequence.depth_files[1].endswith("depth/1305031102.226738.png")
    # Ground truth nearest to 1305031102.1753 is the row at .1758.
    np.testing.assert_allclose(sequence.gt_poses[0][:, 3], [1.3405, 0.6266, 1.6575])
    rotation = sequence.gt_poses[0][:, :3]
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-6)

    info = build_lib.build_dataset([sequence], str(tmp_path / "out"), "tum",
                                   build_lib.BuildOptions(height=64, width=208), show_progress=False)
    assert info["splits"]["train"]["num_snippets"] == 35 and info["has_gt_depth"]
    depth = fake_datasets.decode_depth(fake_datasets.read_records(str(tmp_path / "out"))[0])
    assert depth.shape == (64, 208)
    measured = depth[depth > 0]
    assert measured.size > 0.5 * depth.size and 0.5 < np.median(measured) < 3.0


def test_quaternion_known_answer():
    half = np.sqrt(0.5)
    # 90° about z: x -> y.
    pose = tum.quaternion_pose(np.array([[1.0, 2.0, 3.0, 0.0, 0.0, half, half]]))[0]
    np.testing.assert_allclose(pose, [[0, -1, 0, 1], [1, 0, 0, 2], [0, 0, 1, 3]], atol=1e-12)


def test_nearest_respects_tolerance():
    match = tum.nearest(np.array([0.0, 1.0, 2.05]), np.array([2.0, 0.01, 1.5]), 0.02)
    np.testing.assert_array_equal(match, [1, -1, -1])


def test_tum_intrinsics_follow_the_frames_size(shared_data):
    # The halved sequences carry the published 640x480 camera resized about pixel centres
    # (../shared/data/README.md gives the values at 320x240).
    source = shared_data / "tum_fr1_xyz_320x240"
    if not source.is_dir():
        pytest.skip(f"{source} not found")
    (sequence,) = readers.read_sequences("tum", str(source))
    np.testing.assert_allclose(sequence.intrinsics, [[258.65, 0, 159.05], [0, 258.25, 127.4], [0, 0, 1]])


def test_tum_intrinsics_refuse_a_cropped_size():
    np.testing.assert_allclose(tum.camera_intrinsics("rgbd_dataset_freiburg2_desk", (960, 1280))[0], [1041.8, 0, 650.7])
    with pytest.raises(ValueError, match="400x240 are not the TUM camera's 640x480 resized"):
        tum.camera_intrinsics("fr1_desk", (240, 400))


def test_a_frame_range_keeps_every_per_frame_field_in_step():
    frames = [f"{i:03d}.png" for i in range(10)]
    sequence = Sequence(name="s", frames=frames, frame_ids=np.arange(10) * 2, intrinsics=np.eye(3),
                        timestamps=np.arange(10) / 30, depth_files=[f"d{i}.png" for i in range(10)],
                        gt_poses=np.stack([np.eye(3, 4) + i for i in range(10)]))
    train, heldout = sequence.part(0, 0.8), sequence.part(0.8, 1)
    assert train.frames == frames[:8] and heldout.frames == frames[8:]
    np.testing.assert_array_equal(heldout.frame_ids, [16, 18])
    assert heldout.depth_files == ["d8.png", "d9.png"] and heldout.timestamps[0] == pytest.approx(8 / 30)
    np.testing.assert_array_equal(heldout.gt_poses[:, 0, 0], [9, 10])
    assert parse_frame_range("0.8:1") == (0.8, 1.0)
    for bad in ("0.8", "a:b", "0.5:0.5", "0:1.2"):
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            parse_frame_range(bad)
