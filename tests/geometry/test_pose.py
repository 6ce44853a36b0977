"""Pose vectors <-> matrices: known rotations, the Rx Ry Rz order, round trips, inverse."""

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.geometry import (
    compose_poses,
    euler_to_matrix,
    invert_pose,
    mat2pose_vec,
    pose_vec2mat,
)

QUARTER = np.pi / 2
# A yaw turns about the camera's y axis (y points down): Ry(90 deg), as in the first test.
QUARTER_YAW = [[0, 0, 1], [0, 1, 0], [-1, 0, 0]]


@pytest.mark.parametrize(
    "angles, expected",
    [
        ((QUARTER, 0, 0), [[1, 0, 0], [0, 0, -1], [0, 1, 0]]),
        ((0, QUARTER, 0), [[0, 0, 1], [0, 1, 0], [-1, 0, 0]]),
        ((0, 0, QUARTER), [[0, -1, 0], [1, 0, 0], [0, 0, 1]]),
    ],
    ids=["rx", "ry", "rz"],
)
def test_quarter_turn_about_each_axis(angles, expected):
    vec = tf.constant([[0.5, -1.0, 2.0, *angles]], tf.float64)
    transform = pose_vec2mat(vec).numpy()[0]
    np.testing.assert_allclose(transform[:3, :3], expected, atol=1e-12)
    np.testing.assert_allclose(transform[:3, 3], [0.5, -1.0, 2.0])
    np.testing.assert_allclose(transform[3], [0, 0, 0, 1])


def _axis_rotation(axis, angle):
    c, s = np.cos(angle), np.sin(angle)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def test_rotation_order_is_rx_ry_rz():
    rx, ry, rz = 0.3, -0.7, 1.1
    expected = _axis_rotation("x", rx) @ _axis_rotation("y", ry) @ _axis_rotation("z", rz)
    got = euler_to_matrix(tf.constant([rx, ry, rz], tf.float64)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_maps_target_point_to_source_frame():
    vec = tf.constant([[0.1, 0.2, -0.3, 0.05, -0.1, 0.2]], tf.float64)
    transform = pose_vec2mat(vec).numpy()[0]
    point_t = np.array([1.0, -2.0, 5.0])
    rotation = _axis_rotation("x", 0.05) @ _axis_rotation("y", -0.1) @ _axis_rotation("z", 0.2)
    expected = rotation @ point_t + [0.1, 0.2, -0.3]
    np.testing.assert_allclose((transform @ np.append(point_t, 1.0))[:3], expected, atol=1e-12)


def test_mat2pose_vec_inverts_pose_vec2mat():
    rng = np.random.default_rng(0)
    vec = rng.uniform(-1.4, 1.4, size=(64, 6))
    vec[:, 3] = rng.uniform(-3.0, 3.0, 64)
    vec[:, 5] = rng.uniform(-3.0, 3.0, 64)
    got = mat2pose_vec(pose_vec2mat(tf.constant(vec))).numpy()
    np.testing.assert_allclose(got, vec, atol=1e-10)


def test_invert_and_compose():
    rng = np.random.default_rng(1)
    transform = pose_vec2mat(tf.constant(rng.uniform(-1, 1, size=(5, 6)))).numpy()
    inverse = invert_pose(transform).numpy()
    np.testing.assert_allclose(inverse, np.linalg.inv(transform), atol=1e-12)
    identity = compose_poses(transform, inverse).numpy()
    np.testing.assert_allclose(identity, np.broadcast_to(np.eye(4), identity.shape), atol=1e-12)


def test_two_eighth_yaws_compose_to_the_quarter_yaw():
    eighth = pose_vec2mat(tf.constant([[0, 0, 0, 0, np.pi / 4, 0]], tf.float64))
    expected = np.eye(4)
    expected[:3, :3] = QUARTER_YAW
    np.testing.assert_allclose(compose_poses(eighth, eighth).numpy()[0], expected, atol=1e-12)


def test_composition_applies_the_right_hand_transform_first():
    # a = Ry(90 deg), b = translation t = (1, 2, 3). Written out:
    #   a b: X -> Ry (X + t) = Ry X + Ry t, with Ry t = (t_z, t_y, -t_x) = (3, 2, -1);
    #   b a: X -> Ry X + t.
    yaw = pose_vec2mat(tf.constant([[0, 0, 0, 0, QUARTER, 0]], tf.float64))
    shift = pose_vec2mat(tf.constant([[1.0, 2.0, 3.0, 0, 0, 0]], tf.float64))
    rows = QUARTER_YAW
    np.testing.assert_allclose(
        compose_poses(yaw, shift).numpy()[0],
        [[*rows[0], 3.0], [*rows[1], 2.0], [*rows[2], -1.0], [0, 0, 0, 1]], atol=1e-12,
    )
    np.testing.assert_allclose(
        compose_poses(shift, yaw).numpy()[0],
        [[*rows[0], 1.0], [*rows[1], 2.0], [*rows[2], 3.0], [0, 0, 0, 1]], atol=1e-12,
    )


def test_rejects_wrong_vector_length():
    with pytest.raises(ValueError, match=r"\[\.\.\., 6\]"):
        pose_vec2mat(tf.zeros([2, 5]))
