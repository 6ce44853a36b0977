"""The raw-sequence readers on the real sample clips (skipped where ../shared/data is absent)."""

import numpy as np
import pytest

from sfmlearner_tf.evaluation import sequences


def test_kitti_odometry_clip(shared_data):
    clip = shared_data / "kitti_odometry_06_clip"
    if not clip.is_dir():
        pytest.skip(f"{clip} not found")
    paths, poses, stamps = sequences.load_kitti_odometry(str(clip), "06")
    assert len(paths) == 51 and paths[0].endswith("image_0/000000.png")
    assert poses.shape == (51, 4, 4) and np.allclose(poses[0], np.eye(4), atol=1e-6)  # KITTI starts at identity
    np.testing.assert_allclose(stamps[:3], [0.0, 0.1, 0.2])
    frames = sequences.load_frames(paths[:2], 32, 96)
    assert frames.shape == (2, 32, 96, 3) and np.array_equal(frames[..., 0], frames[..., 2])  # grayscale replicated


def test_tum_clip_associates_poses(shared_data):
    clip = shared_data / "tum_fr1_xyz_37"
    if not clip.is_dir():
        pytest.skip(f"{clip} not found")
    paths, poses, stamps = sequences.load_tum(str(clip))
    assert len(paths) == len(poses) == len(stamps) == 37
    assert np.allclose(np.linalg.det(poses[:, :3, :3]), 1.0)
    assert np.all(np.diff(stamps) > 0)
    assert 0.01 < np.linalg.norm(poses[-1, :3, 3] - poses[0, :3, 3]) < 1.0  # hand-held, ~0.4 m of motion


def test_missing_sequence_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="sequences/09"):
        sequences.load_kitti_odometry(str(tmp_path), "09")
