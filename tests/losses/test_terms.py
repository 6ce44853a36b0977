"""The loss terms on their own: known zeros and known values."""

import numpy as np
import tensorflow as tf

from sfmlearner_tf.losses import (
    area_downsample,
    edge_aware_smoothness,
    explainability_loss,
    l1_error,
    photometric_error,
    second_order_smoothness,
    ssim_error,
)


def _image(seed, shape=(2, 16, 24, 3)):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32))


def test_ssim_of_an_image_with_itself_is_zero():
    image = _image(0)
    np.testing.assert_allclose(ssim_error(image, image), 0.0, atol=1e-6)
    np.testing.assert_allclose(photometric_error(image, image, use_ssim=True), 0.0, atol=1e-6)
    other = _image(1)
    assert float(tf.reduce_mean(ssim_error(image, other))) > 0.2


def test_ssim_error_is_symmetric_and_bounded():
    a, b = _image(2), _image(3)
    np.testing.assert_allclose(ssim_error(a, b), ssim_error(b, a), atol=1e-6)
    error = ssim_error(a, -a).numpy()
    assert error.shape == (2, 16, 24, 1) and error.min() >= 0.0 and error.max() <= 1.0


def test_l1_is_channel_mean_on_minus_one_to_one_range():
    target = tf.fill([1, 2, 2, 3], -1.0)
    warped = tf.constant(np.array([1.0, 0.0, -1.0], np.float32) * np.ones([1, 2, 2, 3], np.float32))
    np.testing.assert_allclose(l1_error(target, warped), np.ones([1, 2, 2, 1]))
    mixed = photometric_error(target, warped, use_ssim=True, ssim_alpha=0.0)
    np.testing.assert_allclose(mixed, l1_error(target, warped))


def test_constant_disparity_has_no_smoothness_penalty():
    disp = tf.fill([2, 16, 24, 1], 0.7)
    assert float(second_order_smoothness(disp)) == 0.0
    assert float(edge_aware_smoothness(disp, _image(4))) == 0.0


def test_second_order_smoothness_ignores_slopes_and_sees_curvature():
    v, u = np.mgrid[0:16, 0:24].astype(np.float32)
    plane = tf.constant((0.1 + 0.01 * u + 0.02 * v)[None, ..., None])
    np.testing.assert_allclose(float(second_order_smoothness(plane)), 0.0, atol=1e-6)
    assert float(edge_aware_smoothness(plane, _image(5, (1, 16, 24, 3)))) > 0.0
    bowl = tf.constant((0.01 * u * u)[None, ..., None])
    # d2/du2 of 0.01 u^2 is 0.02 everywhere; the mixed and vv derivatives vanish.
    np.testing.assert_allclose(float(second_order_smoothness(bowl)), 0.02, rtol=1e-4)


def test_second_order_smoothness_is_the_papers_differences_of_differences():
    disp = np.random.default_rng(4).uniform(0.1, 10.0, (2, 16, 24, 1))

    def dx(x):
        return x[:, :, 1:] - x[:, :, :-1]

    def dy(x):
        return x[:, 1:] - x[:, :-1]

    expected = sum(np.mean(np.abs(term)) for term in (dx(dx(disp)), dy(dx(disp)), dx(dy(disp)), dy(dy(disp))))
    np.testing.assert_allclose(float(second_order_smoothness(tf.constant(disp, tf.float32))), expected, rtol=1e-5)


def test_edge_aware_smoothness_is_weaker_across_image_edges():
    disp = np.ones([1, 8, 8, 1], np.float32)
    disp[:, :, 4:] = 2.0
    flat = tf.zeros([1, 8, 8, 3])
    edge = np.full([1, 8, 8, 3], -1.0, np.float32)
    edge[:, :, 4:] = 1.0
    assert float(edge_aware_smoothness(disp, edge)) < float(edge_aware_smoothness(disp, flat))


def test_fully_explainable_mask_costs_nothing():
    assert float(explainability_loss(tf.ones([2, 8, 8, 2]))) == 0.0
    # Two sources, each mean(-log 0.5).
    np.testing.assert_allclose(
        float(explainability_loss(tf.fill([2, 8, 8, 2], 0.5))), 2 * np.log(2.0), rtol=1e-5
    )
    assert np.isfinite(float(explainability_loss(tf.zeros([1, 4, 4, 1]))))


def test_area_downsample_averages_blocks():
    image = tf.constant(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1))
    np.testing.assert_allclose(area_downsample(image, 1).numpy().ravel(), [2.5, 4.5, 10.5, 12.5])
    np.testing.assert_allclose(area_downsample(image, 2).numpy().ravel(), [7.5])
    assert area_downsample(image, 0) is image
