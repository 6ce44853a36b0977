"""KITTI / TUM trajectory files: write -> read round trips, quaternions, timestamp association."""

import numpy as np
import pytest

from sfmlearner_tf.inference import trajectory_io


def _poses(count, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(count, 4))
    poses = np.tile(np.eye(4), (count, 1, 1))
    poses[:, :3, :3] = trajectory_io.quaternion_to_matrix(q)
    poses[:, :3, 3] = rng.normal(size=(count, 3)) * 10
    return poses


def test_kitti_round_trip(tmp_path):
    poses = _poses(7)
    path = str(tmp_path / "traj.txt")
    trajectory_io.write_kitti_poses(path, poses)
    lines = open(path).read().splitlines()
    assert len(lines) == 7 and all(len(line.split()) == 12 for line in lines)
    np.testing.assert_allclose(trajectory_io.read_kitti_poses(path), poses, atol=1e-7)


def test_tum_round_trip(tmp_path):
    poses = _poses(9, seed=1)
    stamps = 1305031102.175304 + np.arange(9) / 30
    path = str(tmp_path / "traj.tum")
    trajectory_io.write_tum_trajectory(path, stamps, poses)
    read_stamps, read_poses = trajectory_io.read_tum_trajectory(path)
    np.testing.assert_allclose(read_stamps, stamps, atol=1e-6)
    np.testing.assert_allclose(read_poses, poses, atol=1e-7)


def test_quaternion_of_a_quarter_turn_about_z():
    rotation = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_allclose(trajectory_io.matrix_to_quaternion(rotation)[0], [0, 0, np.sqrt(0.5), np.sqrt(0.5)])
    np.testing.assert_allclose(trajectory_io.quaternion_to_matrix([0, 0, np.sqrt(0.5), np.sqrt(0.5)])[0], rotation, atol=1e-12)
    # A half turn (trace -1) takes the branch that divides by qx, not by qw = 0.
    half_turn = np.diag([1.0, -1.0, -1.0])
    np.testing.assert_allclose(trajectory_io.matrix_to_quaternion(half_turn)[0], [1, 0, 0, 0], atol=1e-12)


def test_malformed_kitti_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1 0 0 0 0 1 0 0 0 0 1 0\n1 2 3\n")
    with pytest.raises(ValueError, match=r"bad.txt:2"):
        trajectory_io.read_kitti_poses(str(path))


def test_associate_timestamps_nearest_within_tolerance():
    references = np.array([0.30, 0.10, 0.20])
    match = trajectory_io.associate_timestamps(np.array([0.101, 0.19, 0.5, 0.26]), references, 0.02)
    np.testing.assert_array_equal(match, [1, 2, -1, -1])
