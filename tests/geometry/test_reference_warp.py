"""inverse_warp agrees with the original SfMLearner sampler where both are defined.

`reference_warp` (tests/geometry/reference_warp.py) re-implements the original sampler. Its
clamping makes it differ from ours by design outside the image, on the last row/column (where its
weights are zero) and within our `BORDER_TOLERANCE` of the border, so the comparison covers the
points that are valid for us and have all four neighbours inside the image for it.
"""

import numpy as np

from sfmlearner_tf.geometry import inverse_warp
from tests.geometry.reference_warp import reference_warp

HEIGHT, WIDTH = 64, 208


def _scene(seed):
    rng = np.random.default_rng(seed)
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    image = np.zeros((HEIGHT, WIDTH, 3))
    for c in range(3):
        for _ in range(5):
            fu, fv = rng.uniform(-0.2, 0.2, 2)
            image[..., c] += np.sin(fu * u + fv * v + rng.uniform(0, 2 * np.pi)) / 5
    depth = 4.0 + 20.0 * (v / HEIGHT) + 3.0 * np.sin(u / 17.0)
    pose = np.array([0.05, -0.02, 0.3, 0.01, -0.02, 0.015]) * rng.uniform(0.5, 1.5, 6)
    intrinsics = np.array([[120.0, 0, 104.0], [0, 118.0, 31.5], [0, 0, 1]])
    return (image.astype(np.float32), depth.astype(np.float32), pose.astype(np.float32),
            intrinsics.astype(np.float32))


def max_error_against_reference(seeds=range(10)):
    """Largest |ours - reference| over the comparable points of a few scenes, and their count."""
    worst, count = 0.0, 0
    for seed in seeds:
        image, depth, pose, intrinsics = _scene(seed)
        expected, u, v = reference_warp(image, depth, pose, intrinsics)
        warped, valid = inverse_warp(image[None], depth[None], pose[None], intrinsics[None])
        inside = (u >= 0) & (u < WIDTH - 1) & (v >= 0) & (v < HEIGHT - 1)
        comparable = (valid.numpy()[0, ..., 0] == 1.0) & inside
        errors = np.abs(warped.numpy()[0] - expected)[comparable]
        worst = max(worst, float(errors.max()))
        count += int(comparable.sum())
    return worst, count


def test_matches_reference_sampler_inside_the_image():
    worst, count = max_error_against_reference()
    assert count > 0.5 * 10 * HEIGHT * WIDTH
    assert worst < 1e-4, worst
