"""refine_pose: Gauss-Newton photometric alignment recovers a known pose from a rendered pair."""

import numpy as np
import tensorflow as tf

from sfmlearner_tf.geometry import inverse_warp
from sfmlearner_tf.geometry.direct_alignment import refine_pose

HEIGHT, WIDTH = 32, 96
K = np.array([[48.0, 0.0, 47.5], [0.0, 48.0, 15.5], [0.0, 0.0, 1.0]], np.float32)
TRUE_POSE = np.array([[0.08, -0.03, 0.12, 0.01, -0.015, 0.005], [-0.05, 0.02, -0.1, -0.01, 0.01, 0.0]], np.float32)


def _pair():
    """A smooth random source, a slanted depth map, and the target rendered from them with TRUE_POSE."""
    rng = np.random.default_rng(0)
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    source = np.zeros((2, HEIGHT, WIDTH, 3), np.float32)
    for b in range(2):
        for _ in range(6):
            fu, fv = rng.uniform(-0.6, 0.6, 2)
            source[b] += (np.sin(fu * u + fv * v + rng.uniform(0, 6.3)) / 6)[..., None] * rng.uniform(0.5, 1, 3)
    depth = np.repeat((2.0 + u / WIDTH + 0.5 * (v / HEIGHT) ** 2)[None, ..., None], 2, 0)
    intrinsics = np.repeat(K[None], 2, 0)
    target, valid = inverse_warp(source, depth, TRUE_POSE, intrinsics)
    # Out-of-view target pixels read 0 in the rendering; refine_pose must not need them.
    return target.numpy(), source, depth, intrinsics, valid.numpy()


def _error(pose):
    return np.abs(np.asarray(pose) - TRUE_POSE).max()


def test_refinement_recovers_a_perturbed_pose():
    target, source, depth, intrinsics, valid = _pair()
    assert valid.mean() > 0.8
    start = TRUE_POSE + np.array([0.02, -0.015, 0.03, 0.004, -0.004, 0.003], np.float32)
    refined = refine_pose(target, source, depth, start, intrinsics, steps=6)
    assert _error(refined) < 0.1 * _error(start), (_error(start), _error(refined))


def test_the_true_pose_is_a_fixed_point_and_zero_steps_change_nothing():
    target, source, depth, intrinsics, _ = _pair()
    np.testing.assert_array_equal(refine_pose(target, source, depth, TRUE_POSE, intrinsics, steps=0), TRUE_POSE)
    assert _error(refine_pose(target, source, depth, TRUE_POSE, intrinsics, steps=3)) < 1e-3


def test_the_refined_pose_carries_no_gradient():
    target, source, depth, intrinsics, _ = _pair()
    pose = tf.Variable(TRUE_POSE)
    with tf.GradientTape() as tape:
        refined = refine_pose(target, source, depth, pose, intrinsics, steps=1)
    assert tape.gradient(tf.reduce_sum(refined), pose) is None

