"""inverse_warp agrees with the original SfMLearner sampler where both are defined.

`_reference_warp` re-implements, in numpy float32, `projective_inverse_warp` + `bilinear_sampler`
of tinghuiz/SfMLearner `utils.py`: pixel grid from `linspace(-1, 1, W)`, `K^-1` by matrix
inverse, division by `Z + 1e-10`, corner indices clamped into the image and weights computed
from the clamped indices. Its clamping makes it differ from ours by design outside the image, on
the last row/column (where its weights are zero) and within our `BORDER_TOLERANCE` of the
border, so the comparison covers the points that are valid for us and have all four neighbours
inside the image for it.
"""

import numpy as np

from sfmlearner_tf.geometry import inverse_warp

HEIGHT, WIDTH = 64, 208


def _reference_pose_vec2mat(vec):
    tx, ty, tz, rx, ry, rz = vec
    cz, sz, cy, sy, cx, sx = np.cos(rz), np.sin(rz), np.cos(ry), np.sin(ry), np.cos(rx), np.sin(rx)
    zmat = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    ymat = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    xmat = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    transform = np.eye(4, dtype=np.float32)
    transform[:3, :3] = xmat @ ymat @ zmat
    transform[:3, 3] = [tx, ty, tz]
    return transform


def _reference_warp(image, depth, pose, intrinsics):
    """image [H, W, C], depth [H, W], pose [6], intrinsics [3, 3] -> warped [H, W, C], u, v."""
    height, width, _ = image.shape
    x_t = ((np.linspace(-1.0, 1.0, width, dtype=np.float32) + 1.0) * 0.5 * (width - 1))
    y_t = ((np.linspace(-1.0, 1.0, height, dtype=np.float32) + 1.0) * 0.5 * (height - 1))
    xx, yy = np.meshgrid(x_t, y_t)
    grid = np.stack([xx.ravel(), yy.ravel(), np.ones(xx.size, np.float32)])
    cam = (np.linalg.inv(intrinsics).astype(np.float32) @ grid) * depth.reshape(1, -1)
    cam = np.concatenate([cam, np.ones((1, cam.shape[1]), np.float32)])
    intrinsics4 = np.eye(4, dtype=np.float32)
    intrinsics4[:3, :3] = intrinsics
    projected = (intrinsics4 @ _reference_pose_vec2mat(pose)) @ cam
    u = (projected[0] / (projected[2] + 1e-10)).reshape(height, width)
    v = (projected[1] / (projected[2] + 1e-10)).reshape(height, width)

    x0, y0 = np.floor(u), np.floor(v)
    x0_safe, x1_safe = np.clip(x0, 0, width - 1), np.clip(x0 + 1, 0, width - 1)
    y0_safe, y1_safe = np.clip(y0, 0, height - 1), np.clip(y0 + 1, 0, height - 1)
    wt_x0, wt_x1 = x1_safe - u, u - x0_safe
    wt_y0, wt_y1 = y1_safe - v, v - y0_safe

    def at(xs, ys):
        return image[ys.astype(np.int64), xs.astype(np.int64)]

    warped = (
        (wt_x0 * wt_y0)[..., None] * at(x0_safe, y0_safe)
        + (wt_x0 * wt_y1)[..., None] * at(x0_safe, y1_safe)
        + (wt_x1 * wt_y0)[..., None] * at(x1_safe, y0_safe)
        + (wt_x1 * wt_y1)[..., None] * at(x1_safe, y1_safe)
    )
    return warped.astype(np.float32), u, v


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
        expected, u, v = _reference_warp(image, depth, pose, intrinsics)
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
