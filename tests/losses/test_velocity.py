"""Velocity supervision: known distances between cameras, and the term inside the loss."""

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.config import LossConfig
from sfmlearner_tf.geometry import intrinsics_pyramid
from sfmlearner_tf.losses import compute_losses
from sfmlearner_tf.losses.velocity import true_translation_norms, velocity_loss

H, W = 32, 96
K = np.array([[48.0, 0.0, 47.5], [0.0, 48.0, 15.5], [0.0, 0.0, 1.0]], np.float32)


def _camera_to_world(centres, yaw=0.0):
    """[S, 3, 4] poses at these centres, all turned by `yaw` (rotation must not change distances)."""
    c, s = np.cos(yaw), np.sin(yaw)
    rotation = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.stack([np.concatenate([rotation, np.reshape(centre, (3, 1))], 1) for centre in centres]).astype(np.float32)


def test_distances_from_the_target_camera_to_each_source():
    # Three frames along a road: the target (middle) is 1 m from the first and 2.5 m from the last.
    snippet = _camera_to_world([[0, 0, 0], [0, 0, 1], [1.5, 0, 3]], yaw=0.7)
    norms = true_translation_norms(tf.constant(snippet[None]))
    np.testing.assert_allclose(norms.numpy(), [[1.0, 2.5]], rtol=1e-6)


def test_the_loss_is_the_mean_gap_between_predicted_and_true_distances():
    snippet = _camera_to_world([[0, 0, 0], [0, 0, 1], [1.5, 0, 3]])
    # Predicted: 0.8 m (0.2 short) and 2.5 m (exact), whatever the direction and the rotation.
    poses = tf.constant([[[0.0, 0.0, -0.8, 0.1, 0.0, 0.0], [1.5, 0.0, 2.0, 0.0, 0.2, 0.0]]])
    assert float(velocity_loss(poses, tf.constant(snippet[None]))) == pytest.approx(0.1, rel=1e-5)


def test_compute_losses_adds_the_weighted_term_and_needs_the_poses():
    config = LossConfig(velocity_weight=0.1, explain_weight=0)
    rng = np.random.default_rng(0)
    target = tf.constant(rng.uniform(-1, 1, (1, H, W, 3)), tf.float32)
    sources = tf.constant(rng.uniform(-1, 1, (1, H, W, 6)), tf.float32)
    disparities = [tf.fill([1, H >> s, W >> s, 1], 0.5) for s in range(4)]
    poses = tf.constant([[[0.0, 0.0, -0.8, 0.0, 0.0, 0.0], [0.0, 0.0, 2.5, 0.0, 0.0, 0.0]]])
    gt_poses = tf.constant(_camera_to_world([[0, 0, 0], [0, 0, 1], [1.5, 0, 3]])[None])
    intrinsics = intrinsics_pyramid(K[None], 4)
    output = compute_losses(config, target, sources, intrinsics, disparities, poses, gt_poses=gt_poses)
    assert float(output.terms["velocity"]) == pytest.approx(0.01, rel=1e-4)
    without = compute_losses(LossConfig(explain_weight=0), target, sources, intrinsics, disparities, poses)
    assert float(without.terms["velocity"]) == 0.0
    np.testing.assert_allclose(float(output.terms["total"]), float(without.terms["total"]) + 0.01, rtol=1e-5)
    with pytest.raises(ValueError, match="needs the snippets' gt_poses"):
        compute_losses(config, target, sources, intrinsics, disparities, poses)


def test_metric_training_cannot_hide_the_depth_scale():
    with pytest.raises(ValueError, match="normalize_disparity hides the depth's scale"):
        LossConfig(velocity_weight=0.1, normalize_disparity=True)
