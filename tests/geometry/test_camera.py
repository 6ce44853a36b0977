"""Pixel grid, back-projection / projection round trip, clamping, intrinsics pyramid."""

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.geometry import (
    bilinear_sample,
    inverse_warp,
    pose_vec2mat,
    MIN_DEPTH,
    backproject,
    intrinsics_pyramid,
    inverse_intrinsics,
    pixel_grid,
    project,
    resize_intrinsics,
)
from sfmlearner_tf.losses.multiscale import area_downsample

K_SKEW = np.array([[50.0, 0.7, 47.5], [0.0, 45.0, 15.2], [0.0, 0.0, 1.0]])


def test_pixel_grid_is_u_then_v():
    grid = pixel_grid(3, 4).numpy()
    assert grid.shape == (3, 4, 2)
    assert grid.dtype == np.float32
    np.testing.assert_array_equal(grid[2, 1], [1.0, 2.0])


def test_backproject_then_project_returns_the_grid():
    rng = np.random.default_rng(0)
    depth = rng.uniform(0.5, 80.0, size=(2, 32, 96)).astype(np.float32)
    intrinsics = np.stack([K_SKEW, K_SKEW * [[1.1], [0.9], [1.0]]]).astype(np.float32)
    points = backproject(depth[..., np.newaxis], intrinsics)
    np.testing.assert_allclose(points[..., 2], depth, rtol=1e-6)
    pixels, in_front = project(points, intrinsics)
    grid = np.broadcast_to(pixel_grid(32, 96).numpy(), pixels.shape)
    np.testing.assert_allclose(pixels, grid, atol=1e-3)
    assert np.all(in_front.numpy() == 1.0)


def test_backproject_known_point():
    intrinsics = np.array([[[10.0, 0, 2.0], [0, 20.0, 1.0], [0, 0, 1]]])
    depth = np.full((1, 3, 4), 4.0)
    points = backproject(depth, intrinsics).numpy()
    # Pixel (u=3, v=0): x = (3 - 2) / 10 * 4, y = (0 - 1) / 20 * 4.
    np.testing.assert_allclose(points[0, 0, 3], [0.4, -0.2, 4.0])


def test_project_clamps_depth_and_marks_points_behind():
    points = tf.constant([[[[1.0, 1.0, 2.0], [1.0, 1.0, 0.0], [1.0, -1.0, -3.0]]]])
    intrinsics = tf.constant([np.eye(3)], tf.float32)
    pixels, in_front = project(points, intrinsics)
    assert np.all(np.isfinite(pixels.numpy()))
    np.testing.assert_allclose(pixels[0, 0, 0], [0.5, 0.5])
    np.testing.assert_allclose(pixels[0, 0, 1], [1.0 / MIN_DEPTH, 1.0 / MIN_DEPTH], rtol=1e-6)
    np.testing.assert_array_equal(in_front.numpy()[0, 0, :, 0], [1.0, 0.0, 0.0])


def test_resize_intrinsics_follows_pixel_centres():
    # Halving 4 pixels [0, 1, 2, 3] into 2: output pixel 0 is the mean of inputs 0 and 1, centred
    # at input 0.5; so an input principal point at 0.5 must land on output 0, and 2.5 on 1.
    k = np.array([[10.0, 1.0, 0.5], [0.0, 20.0, 2.5], [0.0, 0.0, 1.0]])
    half = resize_intrinsics(k, 0.5, 0.5).numpy()
    np.testing.assert_allclose(half, [[5.0, 0.5, 0.0], [0.0, 10.0, 1.0], [0.0, 0.0, 1.0]], atol=1e-6)
    # Anisotropic, then a crop at (3, 2): the corner shift is subtracted.
    cropped = resize_intrinsics(k, 2.0, 0.25, offset_x=3.0, offset_y=2.0).numpy()
    np.testing.assert_allclose(cropped[0], [20.0, 2.0, (0.5 + 0.5) * 2 - 0.5 - 3.0], atol=1e-6)
    np.testing.assert_allclose(cropped[1], [0.0, 5.0, (2.5 + 0.5) * 0.25 - 0.5 - 2.0], atol=1e-6)


def test_pyramid_uses_the_half_pixel_rule_at_every_scale():
    intrinsics = tf.constant([K_SKEW, K_SKEW], tf.float32)
    pyramid = intrinsics_pyramid(intrinsics, 4).numpy()
    assert pyramid.shape == (2, 4, 3, 3)
    for s in range(4):
        f = 0.5**s
        expected = np.array([[50.0 * f, 0.7 * f, (47.5 + 0.5) * f - 0.5],
                             [0.0, 45.0 * f, (15.2 + 0.5) * f - 0.5], [0.0, 0.0, 1.0]])
        np.testing.assert_allclose(pyramid[1, s], expected, rtol=1e-6)


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_warping_a_downsampled_image_equals_downsampling_the_warp(scale):
    # The pyramid's K must describe the area-downsampled image exactly: warp the full image of a
    # plane and average-pool the result, or average-pool the image and warp it with K at scale s.
    # The image is affine in (u, v), so bilinear sampling is exact and a block's mean is the value
    # at its centre: away from the borders the two agree to float rounding, and any offset of the
    # principal point shows as (offset × intensity gradient).
    height, width = 64, 192
    v, u = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack([0.01 * u, 0.02 * v, 0.005 * (u + v)], -1)
    image = tf.constant(image[None])
    k = tf.constant([[[120.0, 0.0, 95.3], [0.0, 118.0, 31.8], [0.0, 0.0, 1.0]]], tf.float32)
    pose = tf.constant([[0.12, -0.05, 0.2, 0.01, -0.02, 0.015]], tf.float32)
    depth = tf.fill([1, height, width], 4.0)
    pyramid = intrinsics_pyramid(k, 4)
    full, _ = inverse_warp(image, depth, pose, pyramid[:, 0])
    expected = area_downsample(full, scale).numpy()[0]
    small_depth = tf.fill([1, height // 2**scale, width // 2**scale], 4.0)
    warped, _ = inverse_warp(area_downsample(image, scale), small_depth, pose, pyramid[:, scale])
    margin = 16 // 2**scale
    inner = (slice(margin, -margin), slice(margin, -margin))
    error = np.abs(warped.numpy()[0][inner] - expected[inner])
    # Measured: 4e-7 (s=1) to 7e-6 (s=3) with the half-pixel rule; the corner convention (c·2^-s,
    # (1 - 2^-s)/2 px off) gives 3e-4 to 2e-3.
    assert error.mean() < 5e-5, error.mean()


def test_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"\[B, 3, 3\]"):
        backproject(tf.ones([1, 4, 4]), tf.ones([1, 3, 4]))
    with pytest.raises(ValueError, match=r"\[B, H, W\]"):
        backproject(tf.ones([4, 4]), tf.ones([1, 3, 3]))
    with pytest.raises(ValueError, match=r"num_scales"):
        intrinsics_pyramid(tf.ones([1, 3, 3]), 0)


def test_inverse_intrinsics_with_skew():
    intrinsics = np.stack([K_SKEW, K_SKEW * [[2.0], [0.5], [1.0]]])
    got = inverse_intrinsics(tf.constant(intrinsics)).numpy()
    np.testing.assert_allclose(got, np.linalg.inv(intrinsics), rtol=1e-12, atol=1e-15)


def test_inverse_warp_equals_backproject_transform_project():
    """The warp's multiplied-out projection d (K R K^-1) p + K t is the three steps composed."""
    rng = np.random.default_rng(3)
    batch, height, width = 2, 24, 40
    image = rng.uniform(-1.0, 1.0, (batch, height, width, 3))
    depth = rng.uniform(2.0, 30.0, (batch, height, width, 1))
    pose = np.array([[0.3, -0.1, 0.8, 0.02, -0.05, 0.01], [-0.2, 0.05, -0.4, -0.03, 0.04, 0.02]])
    intrinsics = np.stack([K_SKEW * [[0.4], [0.4], [1.0]]] * batch)
    warped, valid = inverse_warp(image, depth, pose, intrinsics)

    transform = pose_vec2mat(tf.constant(pose)).numpy()
    points = backproject(tf.constant(depth), intrinsics).numpy()
    moved = np.einsum("bij,bhwj->bhwi", transform[:, :3, :3], points) + transform[:, None, None, :3, 3]
    pixels, in_front = project(tf.constant(moved), intrinsics)
    expected, inside = bilinear_sample(tf.constant(image), pixels)
    np.testing.assert_allclose(warped.numpy(), (expected * in_front).numpy(), atol=1e-9)
    np.testing.assert_array_equal(valid.numpy(), (inside * in_front).numpy())
    assert 0.3 < valid.numpy().mean() < 1.0
