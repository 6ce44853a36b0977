"""Known answers for Umeyama alignment, snippet ATE, full-sequence ATE and RPE."""

import numpy as np
import pytest

from sfmlearner_tf import trajectories
from sfmlearner_tf.evaluation import pose_metrics
from sfmlearner_tf.evaluation.pose_metrics import snippet_ate, trajectory_errors, umeyama_alignment


def _rotation(axis, angle):
    axis = np.asarray(axis, np.float64) / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k  # Rodrigues


def _random_trajectory(rng, count):
    poses = np.tile(np.eye(4), (count, 1, 1))
    for i in range(1, count):
        step = np.eye(4)
        step[:3, :3] = _rotation(rng.normal(size=3), rng.uniform(0.01, 0.2))
        step[:3, 3] = rng.normal(size=3) * 0.5 + [0, 0, 1]
        poses[i] = poses[i - 1] @ step
    return poses


def test_umeyama_recovers_a_known_similarity():
    rng = np.random.default_rng(1)
    source = rng.normal(size=(20, 3))
    rotation = _rotation([1, 2, 3], 0.7)
    target = 2.5 * source @ rotation.T + [1.0, -2.0, 0.5]
    scale, found_rotation, translation = umeyama_alignment(source, target)
    assert scale == pytest.approx(2.5)
    np.testing.assert_allclose(found_rotation, rotation, atol=1e-10)
    np.testing.assert_allclose(translation, [1.0, -2.0, 0.5], atol=1e-10)


def test_umeyama_never_returns_a_reflection():
    rng = np.random.default_rng(2)
    source = rng.normal(size=(10, 3))
    mirrored = source * [1, 1, -1]
    _, rotation, _ = umeyama_alignment(source, mirrored)
    assert np.linalg.det(rotation) == pytest.approx(1.0)


def test_similarity_transformed_trajectory_has_zero_error():
    rng = np.random.default_rng(3)
    gt = _random_trajectory(rng, 12)
    pred = pose_metrics.apply_similarity(gt, 0.3, _rotation([0, 1, 1], -1.1), np.array([5.0, 0, -3]))
    errors = trajectory_errors(gt, pred)
    assert errors["ate_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert errors["rpe_trans_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert errors["rpe_rot_rmse"] == pytest.approx(0.0, abs=1e-6)
    assert errors["scale"] == pytest.approx(1 / 0.3)


def test_known_position_offsets_give_a_known_ate_and_rpe():
    # Frames on the x axis; the prediction is off by +d, -d, -d, +d along y. The offsets have
    # zero mean and no correlation with x, so the best rigid alignment is the identity (or a
    # half turn about x, which gives the same errors): ATE = d. Consecutive relative
    # translations are off by 2d, 0, 2d: RPE rmse = 2d sqrt(2/3).
    d = 0.1
    gt = np.tile(np.eye(4), (4, 1, 1))
    gt[:, 0, 3] = [0, 1, 2, 3]
    pred = gt.copy()
    pred[:, 1, 3] = [d, -d, -d, d]
    errors = trajectory_errors(gt, pred, with_scale=False)
    assert errors["ate_rmse"] == pytest.approx(d)
    assert errors["rpe_trans_rmse"] == pytest.approx(2 * d * np.sqrt(2 / 3))
    assert errors["rpe_trans_mean"] == pytest.approx(4 * d / 3)


def test_known_rotation_error_in_rpe():
    gt = np.tile(np.eye(4), (4, 1, 1))
    gt[:, 2, 3] = [0, 1, 2, 3]
    pred = gt.copy()
    pred[2, :3, :3] = _rotation([0, 0, 1], 0.05)  # frame 2 turned: pairs (1,2) and (2,3) err by 0.05
    errors = trajectory_errors(gt, pred)
    assert errors["rpe_rot_mean"] == pytest.approx(2 * 0.05 / 3)
    assert errors["ate_rmse"] == pytest.approx(0.0, abs=1e-12)


def test_snippet_ate_hand_computed():
    gt = np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 0]])
    pred = np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 1]])
    # s = <gt, pred> / <pred, pred> = 5 / 6; errors (0,0,0), (-1/6,0,0), (-1/3,0,5/6);
    # sum of squares 30/36; ATE = sqrt(5/6) / 3.
    assert snippet_ate(gt, pred) == pytest.approx(np.sqrt(5 / 6) / 3)


def test_snippet_ate_is_invariant_to_scale_and_first_frame_offset():
    gt = np.array([[0.0, 0, 0], [0.5, 0.1, 1], [1.1, 0.1, 2.2], [1.5, 0.3, 3.1], [2.0, 0.2, 4.4]])
    assert snippet_ate(gt, 7.0 * gt + [3, 2, 1]) == pytest.approx(0.0, abs=1e-12)


def test_zero_motion_snippet_ate():
    gt = np.array([[0.0, 0, 0], [3, 4, 0]])
    assert snippet_ate(gt, np.zeros((2, 3))) == pytest.approx(5.0 / 2)


def test_chain_relative_poses_rebuilds_the_trajectory():
    rng = np.random.default_rng(4)
    gt = _random_trajectory(rng, 6)
    relative = np.linalg.inv(gt[:-1]) @ gt[1:]
    np.testing.assert_allclose(trajectories.chain_relative_poses(relative), trajectories.relative_to_first(gt), atol=1e-10)
