"""inverse_warp and bilinear_sample: known shifts, borders, degenerate depth, gradients, tracing."""

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.geometry import bilinear_sample, inverse_warp

FX = 10.0
INTRINSICS = np.array([[[FX, 0.0, 11.5], [0.0, FX, 7.5], [0.0, 0.0, 1.0]]], np.float32)


def _smooth_image(height, width, channels=3, seed=0, dtype=np.float32):
    """A sum of random low-frequency sinusoids in [-1, 1], [1, H, W, C]."""
    rng = np.random.default_rng(seed)
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    image = np.zeros((height, width, channels))
    for c in range(channels):
        for _ in range(4):
            fu, fv = rng.uniform(-0.35, 0.35, 2)
            image[..., c] += np.sin(fu * u + fv * v + rng.uniform(0, 2 * np.pi)) / 4
    return image[np.newaxis].astype(dtype)


def test_identity_pose_returns_the_image():
    image = _smooth_image(16, 24)
    depth = np.random.default_rng(1).uniform(1, 50, size=(1, 16, 24, 1)).astype(np.float32)
    warped, valid = inverse_warp(image, depth, tf.zeros([1, 6]), INTRINSICS)
    np.testing.assert_allclose(warped, image, atol=1e-5)
    assert np.all(valid.numpy() == 1.0)


@pytest.mark.parametrize("tx", [0.4, -0.6])
def test_x_translation_shifts_by_fx_t_over_d(tx):
    depth = 2.0
    shift = int(round(FX * tx / depth))  # X_s = X_t + t  ->  u_s = u_t + fx t / d
    image = _smooth_image(16, 24)
    pose = tf.constant([[tx, 0, 0, 0, 0, 0]], tf.float32)
    warped, valid = inverse_warp(image, tf.fill([1, 16, 24], depth), pose, INTRINSICS)
    warped, valid = warped.numpy()[0], valid.numpy()[0, ..., 0]
    columns = np.arange(24)
    inside = (columns + shift >= 0) & (columns + shift <= 23)
    np.testing.assert_allclose(warped[:, inside], image[0][:, columns[inside] + shift], atol=1e-5)
    assert np.all(valid[:, inside] == 1.0) and np.all(valid[:, ~inside] == 0.0)
    assert np.all(warped[:, ~inside] == 0.0)


def test_points_projected_outside_are_zero_and_invalid():
    image = _smooth_image(8, 12) + 2.0  # nowhere zero, so a 0 can only come from masking
    pose = tf.constant([[0.0, 50.0, 0, 0, 0, 0]], tf.float32)
    warped, valid = inverse_warp(image, tf.ones([1, 8, 12]), pose, INTRINSICS)
    assert np.all(warped.numpy() == 0.0) and np.all(valid.numpy() == 0.0)


def test_sampler_borders_and_huge_coordinates():
    image = tf.constant(_smooth_image(4, 5, 2) + 2.0)
    pixels = tf.constant(
        [[[[0.0, 0.0], [4.0, 3.0], [4.01, 1.0], [-0.5, 1.0], [2.0, -0.01],
           [3e12, 1.0], [-3e12, -3e12], [1.0, 3e9]]]], tf.float32
    )
    sampled, valid = bilinear_sample(image, pixels)
    np.testing.assert_array_equal(valid.numpy()[0, 0, :, 0], [1, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(sampled[0, 0, 0], image[0, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(sampled[0, 0, 1], image[0, 3, 4], rtol=1e-6)
    assert np.all(sampled.numpy()[0, 0, 2:] == 0.0)


def test_sampler_interpolates_bilinearly():
    image = tf.constant(np.arange(12, dtype=np.float32).reshape(1, 3, 4, 1))
    sampled, _ = bilinear_sample(image, tf.constant([[[[1.25, 0.5]]]]))
    # Value at (u, v) of this image is 4 v + u.
    np.testing.assert_allclose(sampled.numpy().ravel(), [4 * 0.5 + 1.25], rtol=1e-6)


def test_degenerate_depth_gives_finite_values_and_gradients():
    image = tf.constant(_smooth_image(8, 12))
    depth = np.full((1, 8, 12, 1), 3.0, np.float32)
    depth[0, :2] = 0.0
    depth[0, 2:4] = -2.0
    depth[0, 4, :] = 1e-9
    depth = tf.Variable(depth)
    # tz = -4 puts every point with depth < 4 behind the source camera.
    pose = tf.Variable([[0.1, 0.0, -4.0, 0.01, 0.02, 0.0]])
    with tf.GradientTape() as tape:
        warped, valid = inverse_warp(image, depth, pose, INTRINSICS)
        loss = tf.reduce_sum(tf.abs(warped - image) * valid) + tf.reduce_sum(warped)
    grads = tape.gradient(loss, [depth, pose])
    for tensor in [warped, valid, *grads]:
        assert np.all(np.isfinite(tensor.numpy()))
    assert np.all(valid.numpy() == 0.0)


def test_gradients_match_finite_differences():
    image = _smooth_image(6, 8, seed=3, dtype=np.float64)
    intrinsics = INTRINSICS.astype(np.float64) * [[[0.8], [0.8], [1.0]]]
    rng = np.random.default_rng(4)
    depth = rng.uniform(2.0, 5.0, size=(1, 6, 8, 1))
    pose = np.array([[0.13, -0.07, 0.05, 0.02, -0.03, 0.04]])
    # A random linear read-out of the warped image makes every pixel's derivative count.
    readout = tf.constant(rng.normal(size=(1, 6, 8, 3)))

    @tf.function
    def loss(d, p):
        return tf.reduce_sum(inverse_warp(image, d, p, intrinsics)[0] * readout)

    d, p = tf.constant(depth), tf.constant(pose)
    with tf.GradientTape() as tape:
        tape.watch([d, p])
        value = loss(d, p)
    analytic = [g.numpy() for g in tape.gradient(value, [d, p])]
    eps = 1e-6
    for which, argument in enumerate([depth, pose]):
        numeric = np.zeros_like(argument)
        for index in np.ndindex(argument.shape):
            step = np.zeros_like(argument)
            step[index] = eps
            args_plus = [depth, pose]
            args_minus = [depth, pose]
            args_plus[which] = argument + step
            args_minus[which] = argument - step
            numeric[index] = (loss(*args_plus) - loss(*args_minus)).numpy() / (2 * eps)
        np.testing.assert_allclose(analytic[which], numeric, rtol=1e-5, atol=1e-7)
        assert np.abs(numeric).max() > 1e-2


def test_traces_once_for_any_batch_and_size():
    traces = []

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None, None, 3], tf.float32),
            tf.TensorSpec([None, None, None, 1], tf.float32),
            tf.TensorSpec([None, 6], tf.float32),
            tf.TensorSpec([None, 3, 3], tf.float32),
        ]
    )
    def warp(image, depth, pose, intrinsics):
        traces.append(1)
        return inverse_warp(image, depth, pose, intrinsics)

    for batch, height, width in [(1, 8, 12), (3, 16, 24)]:
        image = np.repeat(_smooth_image(height, width), batch, axis=0)
        warped, valid = warp(
            image, tf.ones([batch, height, width, 1]), tf.zeros([batch, 6]),
            np.repeat(INTRINSICS, batch, axis=0),
        )
        assert warped.shape == (batch, height, width, 3) and valid.shape == (batch, height, width, 1)
        np.testing.assert_allclose(warped, image, atol=1e-5)
    assert len(traces) == 1
